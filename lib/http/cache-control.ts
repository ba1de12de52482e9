export interface CacheControlOptions {
  /** Seconds a cache may reuse the response without asking; undefined: it must revalidate every time. */
  maxAge: number | undefined
  immutable: boolean
  /** Shared caches (a CDN, a proxy) may store it too: only for responses that need no authorisation. */
  shared: boolean
  cacheControl: string | false | undefined
}

/**
 * The Cache-Control value, or undefined when the header is to be left out. `private` unless the caller
 * says the response is public: a download behind an auth hook must not be stored by a shared cache
 * (RFC 9111 §5.2.2.7), and the plugin cannot see the hook. `no-cache` keeps 304 revalidation working.
 *
 * @example
 * cacheControl({ maxAge: undefined, immutable: false, shared: false, cacheControl: undefined }) // 'private, no-cache'
 * cacheControl({ maxAge: 3600, immutable: false, shared: true, cacheControl: undefined })       // 'public, max-age=3600'
 */
export function cacheControl (options: CacheControlOptions): string | undefined {
  if (options.cacheControl === false) return undefined
  if (typeof options.cacheControl === 'string') return options.cacheControl
  const scope = options.shared ? 'public' : 'private'
  if (options.maxAge === undefined) return `${scope}, no-cache`
  return options.immutable ? `${scope}, max-age=${options.maxAge}, immutable` : `${scope}, max-age=${options.maxAge}`
}
