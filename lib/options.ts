import { statSync, realpathSync } from 'node:fs'
import { toHttpTime } from './http/date.js'
import { FST_DOWNLOADS_INVALID_OPTION, FST_DOWNLOADS_INVALID_ROOT } from './errors.js'
import { cacheControl } from './http/cache-control.js'
import { FileCache } from './sources/file/file-cache.js'
import { normalizeETag } from './http/etag.js'
import { rootPath } from './path/resolve.js'
import { callerHeaders } from './http/caller-headers.js'
import type { CleanupFunction, DotfilesPolicy, DownloadOptions, FastifyDownloadsOptions, ThrottleOptions } from './types.js'

/** Per-call settings after defaults are applied: what the request path reads. */
export interface ResolvedOptions {
  mediaType: string | undefined
  /** Lower-case names, framing headers removed. */
  headers: Readonly<Record<string, string | number | string[]>> | undefined
  cacheControl: string | undefined
  /** true: the source's own ETag; false: none; a string: this ETag, already a valid entity-tag. */
  etag: boolean | string
  /** true: the source's own date; false: none; a number: this date, in whole seconds (epoch ms). */
  lastModified: boolean | number
  acceptRanges: boolean
  size: number | undefined
  cleanup: readonly CleanupFunction[]
  deleteAfter: boolean
  throttle: Readonly<ThrottleOptions> | undefined
  maxRanges: number
}

/** Plugin settings, validated once at registration and frozen. */
export interface PluginSettings {
  root: string
  dotfiles: DotfilesPolicy
  syncStat: boolean
  cache: FileCache
  /** The reply decorators' names. */
  decorators: Readonly<{ download: string, inline: string }>
  defaults: Readonly<ResolvedOptions>
  /** The user's raw per-call defaults, merged under per-call options. */
  rawDefaults: Readonly<DownloadOptions>
}

const DEFAULT_CACHE = Object.freeze({ maxFileSize: 1024 * 1024, maxBytes: 32 * 1024 * 1024, maxEntries: 1024 })

const DOTFILES: readonly DotfilesPolicy[] = ['ignore', 'deny', 'allow']

function fail (name: string, why: string): never {
  throw new FST_DOWNLOADS_INVALID_OPTION(name, why)
}

const isBool = (v: unknown): boolean => typeof v === 'boolean'
const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0
const isPositive = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0
const isFn = (v: unknown): boolean => typeof v === 'function'
const isHeaderSafe = (v: unknown): boolean => typeof v === 'string' && !/[\r\n\0]/.test(v)

const isName = (v: unknown): boolean => typeof v === 'string' && /^[A-Za-z_$][\w$]*$/.test(v)

/** Where an option may be given: at registration only, per call only, or both (a registration default). */
type Scope = 'plugin' | 'call' | 'both'

// Every option: what a valid value is, what the error says, and where it may be given. Built once; a call
// checks only what it passes. A Map, so that a name like `constructor` is not found on Object.prototype.
const RULES: ReadonlyMap<string, readonly [(v: unknown) => boolean, string, Scope?]> = new Map([
  ['dotfiles', [(v) => DOTFILES.includes(v as DotfilesPolicy), "must be 'ignore', 'deny' or 'allow'", 'plugin']],
  ['syncStat', [isBool, 'must be a boolean', 'plugin']],
  ['cacheMaxFileSize', [isCount, 'must be a whole number of bytes', 'plugin']],
  ['cacheMaxBytes', [isCount, 'must be a whole number of bytes', 'plugin']],
  ['cacheMaxEntries', [isCount, 'must be a whole number', 'plugin']],
  ['decorators', [(v) => typeof v === 'object' && v !== null &&
    [(v as Record<string, unknown>).download, (v as Record<string, unknown>).inline].every((n) => n === undefined || isName(n)) &&
    ((v as Record<string, unknown>).download ?? 'download') !== ((v as Record<string, unknown>).inline ?? 'inline'),
  'must be { download?, inline? }: two different identifiers', 'plugin']],
  ['root', [(v) => typeof v === 'string' || v instanceof URL, 'must be a path or a file: URL']],
  ['mediaType', [(v) => v !== '' && isHeaderSafe(v), 'must be a media type string']],
  ['headers', [(v) => typeof v === 'object' && v !== null, 'must be an object of header values']],
  ['maxAge', [isCount, 'must be a whole number of seconds']],
  ['immutable', [isBool, 'must be a boolean']],
  ['public', [isBool, 'must be a boolean']],
  ['cacheControl', [(v) => v === false || isHeaderSafe(v), 'must be a string or false']],
  ['etag', [(v) => isBool(v) || (typeof v === 'string' && v !== ''), 'must be a boolean or an entity-tag string']],
  ['lastModified', [(v) => isBool(v) || v instanceof Date || (typeof v === 'number' && Number.isFinite(v)), 'must be a boolean, a Date or epoch milliseconds']],
  ['acceptRanges', [isBool, 'must be a boolean']],
  ['size', [isCount, 'must be a whole number of bytes']],
  ['cleanup', [(v) => isFn(v) || (Array.isArray(v) && v.every(isFn)), 'must be a function or an array of functions']],
  // At registration it would delete every served file.
  ['deleteAfter', [isBool, 'must be a boolean', 'call']],
  ['maxRanges', [(v) => isCount(v) && (v as number) >= 1, 'must be a whole number >= 1']],
  ['throttle', [(v) => typeof v === 'object' && v !== null &&
    isPositive((v as ThrottleOptions).bytesPerSecond) &&
    ((v as ThrottleOptions).burst === undefined || isCount((v as ThrottleOptions).burst)),
  'must be { bytesPerSecond > 0, burst?: bytes }']]
])

/** Checks options given at `scope`; cheap enough to run on each call that passes options. */
export function validateDownloadOptions (opts: object, scope: 'plugin' | 'call' = 'call'): void {
  if (typeof opts !== 'object' || opts === null) fail('options', 'must be an object')
  for (const name in opts) {
    const rule = RULES.get(name)
    const value = (opts as Record<string, unknown>)[name]
    if (rule === undefined || value === undefined) continue
    // A registration option given to one call is not this call's to change: it is left alone, as before.
    if (rule[2] === 'plugin' && scope === 'call') continue
    if (rule[2] === 'call' && scope === 'plugin') fail(name, 'is per call only: it would apply to every download')
    if (!rule[0](value)) fail(name, rule[1])
  }
}

// How each resolved field comes from the options: the one place the defaults are written.
const RESOLVE: { readonly [K in keyof ResolvedOptions]: (opts: DownloadOptions) => ResolvedOptions[K] } = {
  mediaType: (opts) => opts.mediaType,
  headers: (opts) => callerHeaders(opts.headers),
  cacheControl: (opts) => {
    // `immutable` means "fresh for max-age, never revalidate" (RFC 8246): without a max-age it has no meaning.
    if (opts.immutable === true && opts.maxAge === undefined && opts.cacheControl === undefined) fail('immutable', 'needs maxAge')
    return cacheControl({ maxAge: opts.maxAge, immutable: opts.immutable ?? false, shared: opts.public ?? false, cacheControl: opts.cacheControl })
  },
  etag: (opts) => typeof opts.etag === 'string' ? normalizeETag(opts.etag) : opts.etag ?? true,
  lastModified: (opts) => typeof opts.lastModified === 'boolean' || opts.lastModified === undefined
    ? opts.lastModified ?? true
    : toHttpTime(opts.lastModified instanceof Date ? opts.lastModified.getTime() : opts.lastModified),
  acceptRanges: (opts) => opts.acceptRanges ?? true,
  size: (opts) => opts.size,
  cleanup: (opts) => Object.freeze(opts.cleanup === undefined ? [] : Array.isArray(opts.cleanup) ? opts.cleanup.slice() : [opts.cleanup]),
  deleteAfter: (opts) => opts.deleteAfter ?? false,
  throttle: (opts) => opts.throttle === undefined ? undefined : Object.freeze({ ...opts.throttle }),
  maxRanges: (opts) => opts.maxRanges ?? 100
}
const FIELDS = Object.keys(RESOLVE) as ReadonlyArray<keyof ResolvedOptions>

// The resolved field each option feeds: its namesake, and Cache-Control for maxAge, immutable and public too.
// root feeds none: it is the call's, read where the path is resolved.
const FEEDS: ReadonlyMap<string, keyof ResolvedOptions> = new Map([
  ...FIELDS.map((field) => [field, field] as const),
  ['maxAge', 'cacheControl'],
  ['immutable', 'cacheControl'],
  ['public', 'cacheControl']
])

function resolveField<K extends keyof ResolvedOptions> (out: ResolvedOptions, field: K, opts: DownloadOptions): void {
  out[field] = RESOLVE[field](opts)
}

/** Applies defaults to validated options. */
export function resolveOptions (opts: DownloadOptions): ResolvedOptions {
  const out = {} as ResolvedOptions
  for (const field of FIELDS) resolveField(out, field, opts)
  return out
}

/**
 * The registration defaults with one call's (validated) options over them. Only the fields those options
 * feed are worked out again; the rest, the Cache-Control value among them, were resolved at registration.
 */
export function withCallOptions (settings: PluginSettings, opts: DownloadOptions): ResolvedOptions {
  const merged: DownloadOptions = { ...settings.rawDefaults, ...opts }
  const out: ResolvedOptions = { ...settings.defaults }
  for (const name in opts) {
    const field = FEEDS.get(name)
    if (field !== undefined) resolveField(out, field, merged)
  }
  return out
}

/** Validates the plugin options once and freezes them. */
export function pluginSettings (options: FastifyDownloadsOptions): Readonly<PluginSettings> {
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object with a root')
  const { root, dotfiles, syncStat, cacheMaxFileSize, cacheMaxBytes, cacheMaxEntries, decorators, ...rest } = options
  if (root === undefined || root === null || (typeof root !== 'string' && !(root instanceof URL)) || root === '') {
    throw new FST_DOWNLOADS_INVALID_ROOT(String(root), 'root is required: an absolute path, a path relative to the working directory, or a file: URL')
  }
  let realRoot: string
  try {
    realRoot = realpathSync.native(rootPath(root))
    if (!statSync(realRoot).isDirectory()) throw new Error('not a directory')
  } catch (err) {
    throw new FST_DOWNLOADS_INVALID_ROOT(String(root), `it must be an existing directory (${(err as Error).message})`)
  }
  validateDownloadOptions(options, 'plugin')
  return Object.freeze({
    root: realRoot,
    dotfiles: dotfiles ?? 'ignore',
    syncStat: syncStat ?? true,
    cache: new FileCache({
      maxFileSize: cacheMaxFileSize ?? DEFAULT_CACHE.maxFileSize,
      maxBytes: cacheMaxBytes ?? DEFAULT_CACHE.maxBytes,
      maxEntries: cacheMaxEntries ?? DEFAULT_CACHE.maxEntries
    }),
    decorators: Object.freeze({ download: decorators?.download ?? 'download', inline: decorators?.inline ?? 'inline' }),
    defaults: Object.freeze(resolveOptions(rest)),
    rawDefaults: Object.freeze({ ...rest })
  })
}
