export interface CacheControlOptions {
  maxAge: number
  immutable: boolean
  cacheControl: string | false | undefined
}

/** The Cache-Control value, or undefined when the header is to be left out. */
export function cacheControl (options: CacheControlOptions): string | undefined {
  if (options.cacheControl === false) return undefined
  if (typeof options.cacheControl === 'string') return options.cacheControl
  return options.immutable
    ? `public, max-age=${options.maxAge}, immutable`
    : `public, max-age=${options.maxAge}`
}
