// Every public type of the plugin, each with an example. Modules import their types from here.
import type { Readable } from 'node:stream'
import type { ReadableStream } from 'node:stream/web'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ByteRange } from './conditional/range.js'
import type { TrustedFile } from './sources/trusted.js'

/**
 * An inclusive byte range, `start` to `end`: what a RangedSource is asked to open.
 *
 * @example
 * const first100: ByteRange = { start: 0, end: 99 }
 */
export type { ByteRange }

/**
 * What happened to one download, given to `cleanup` and published on `fastify-downloads:outcome`.
 *
 * @example
 * reply.download('big.iso', { cleanup: (o: DownloadOutcome) => { if (o.aborted) log.info({ sent: o.bytesSent }, 'left early') } })
 */
export interface DownloadOutcome {
  /** The status code sent (or about to be sent when the client went away). */
  statusCode: number
  /** Body bytes written to the response; less than the planned length when the client aborted. */
  bytesSent: number
  /** True when the connection closed before the whole response was written. */
  aborted: boolean
  /** Milliseconds from the call of download()/inline() to the end of the response. */
  durationMs: number
  /** The error that ended the download, if one did (a 4xx error, or a source failure). */
  error?: Error
  /** The range served for a single-range 206. */
  range?: ByteRange
  /** The ranges served for a multipart/byteranges 206. */
  ranges?: ByteRange[]
}

/**
 * Runs once after the response finished, failed or was aborted; errors are logged, never thrown.
 *
 * @example
 * const removeTemp: CleanupFunction = async () => { await rm(dir, { recursive: true, force: true }) }
 */
export type CleanupFunction = (outcome: DownloadOutcome) => void | Promise<void>

/**
 * A per-download bandwidth limit, as a token bucket.
 *
 * @example
 * const limit: ThrottleOptions = { bytesPerSecond: 256 * 1024, burst: 1024 * 1024 }
 */
export interface ThrottleOptions {
  /** Sustained rate, in bytes per second. */
  bytesPerSecond: number
  /** Bytes sent at full speed before the limit applies (like nginx's `limit_rate_after`). */
  burst?: number
}

/**
 * What a RangedSource's open() may return: a Node stream, a web ReadableStream (`(await fetch(url)).body`)
 * or an async iterable of bytes, or a promise of one.
 *
 * @example
 * const body: RangedBody = Readable.from([Buffer.from('abc')])
 */
export type RangedBody = Readable | NodeJS.ReadableStream | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>

/**
 * A byte store that can read any range: object stores, database blobs, archive members.
 *
 * @example
 * const blob: RangedSource = {
 *   size: 26,
 *   etag: '"v1"',
 *   open: async (range) => (await fetch(url, { headers: range && { range: `bytes=${range.start}-${range.end}` } })).body!
 * }
 */
export interface RangedSource {
  /** Total length in bytes. */
  size: number
  /** A strong (or `W/` weak) entity-tag; quoted or not. */
  etag?: string
  lastModified?: Date | number
  /**
   * The media type the store keeps for it (an object's Content-Type): used when neither the `mediaType`
   * option nor the file name's extension names one.
   */
  mediaType?: string
  /**
   * The content coding its bytes are stored in (an object uploaded with `Content-Encoding: gzip`): sent
   * as Content-Encoding, and `size` and ranges count the encoded bytes (RFC 9110 §8.4).
   */
  contentEncoding?: string
  /** The name to suggest when the call gives none (default `download`). */
  filename?: string
  /**
   * Opens the whole body (no argument) or the inclusive range `start`-`end`: exactly those bytes.
   * `signal` aborts when the download ends unfinished (the client left, the response failed): a request
   * still in flight for it should stop (a download written to its end read it to its end). Throw `FST_DOWNLOADS_FILE_CHANGED` when the store holds
   * another version than the one described (an If-Match that failed).
   */
  open: (range?: ByteRange, options?: OpenOptions) => RangedBody | Promise<RangedBody>
  /**
   * The current version, asked once when open() threw `FST_DOWNLOADS_FILE_CHANGED` before any header
   * went out: the response is decided again for it (null: it is gone, a 404). Without it, a 503.
   */
  reload?: (options: OpenOptions) => Promise<RangedSource | null>
}

/**
 * What a RangedSource's open() and reload() are given.
 *
 * @example
 * const open = (range?: ByteRange, { signal }: OpenOptions = { signal: AbortSignal.timeout(30_000) }) => fetch(url, { signal })
 */
export interface OpenOptions {
  /** Aborts when the download ends unfinished: the client left, or the response failed. */
  readonly signal: AbortSignal
}

/**
 * Anything reply.download() and reply.inline() can send: a path under the root, a trustedFile(), a
 * buffer, a stream, or a ranged store.
 *
 * @example
 * const sources: DownloadSource[] = ['reports/q3.pdf', Buffer.from('id\n'), Readable.from(['a', 'b'])]
 */
export type DownloadSource =
  | string
  | TrustedFile
  | Buffer
  | Uint8Array
  | Readable
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | string>
  | RangedSource

/**
 * Options for one download; every one but root, deleteAfter and size can also be given at registration.
 *
 * @example
 * reply.download('q3.pdf', 'Q3 report.pdf', { maxAge: 3600, throttle: { bytesPerSecond: 5e6 } } satisfies DownloadOptions)
 */
export interface DownloadOptions {
  /** A trusted server-side folder for this call (e.g. a temp folder); the path is confined to it. */
  root?: string | URL
  /** Content-Type to send instead of the one guessed from the file name. */
  mediaType?: string
  /** Extra response headers; they win over the plugin's own (except framing headers). */
  headers?: Record<string, string | number | string[]>
  /** `max-age` of Cache-Control, in seconds (default: none, `no-cache`: caches revalidate every time). */
  maxAge?: number
  /** Adds `immutable` to Cache-Control (with maxAge). */
  immutable?: boolean
  /**
   * Let shared caches (CDNs, proxies) store the response: `public` instead of the default `private`.
   * Only for responses that need no authorisation.
   */
  public?: boolean
  /** A Cache-Control value to send as it is, or `false` to send none. */
  cacheControl?: string | false
  /** Send an ETag (default true); a string is used as the ETag of this body. */
  etag?: boolean | string
  /** Send Last-Modified (default true); a Date or epoch milliseconds sets it for non-file sources. */
  lastModified?: boolean | Date | number
  /** Honour Range requests (default true). */
  acceptRanges?: boolean
  /** Length of a stream source, when known: sent as Content-Length instead of chunked encoding. */
  size?: number
  /** Runs once after the response finished, failed or was aborted; errors are logged, never thrown. */
  cleanup?: CleanupFunction | CleanupFunction[]
  /** Remove the served file after the response (path sources only), also on abort and error. */
  deleteAfter?: boolean
  /** Per-download bandwidth limit. */
  throttle?: ThrottleOptions
  /** More ranges than this in one request are ignored (whole body sent). Default 100. */
  maxRanges?: number
}

/**
 * What to do with path segments that start with a dot: `ignore` (404), `deny` (403) or `allow`.
 *
 * @example
 * await app.register(downloads, { root: './files', dotfiles: 'deny' satisfies DotfilesPolicy })
 */
export type DotfilesPolicy = 'ignore' | 'deny' | 'allow'

/**
 * Options of `app.register(downloads, options)`.
 *
 * @example
 * const options: FastifyDownloadsOptions = { root: new URL('./files/', import.meta.url), maxAge: 60 }
 * await app.register(downloads, options)
 */
export interface FastifyDownloadsOptions extends Omit<DownloadOptions, 'root' | 'deleteAfter' | 'size'> {
  /** The folder files are served from: absolute, relative to the working directory, or a `file:` URL. */
  root: string | URL
  /** What to do with path segments that start with a dot (default `'ignore'`: 404; `'deny'`: 403). */
  dotfiles?: DotfilesPolicy
  /**
   * Use one synchronous stat per request to check a cached file is unchanged (default true). It is a
   * few microseconds on a local disk; on a network file system it can block the event loop, so set false.
   */
  syncStat?: boolean
  /** Largest file kept in memory, in bytes (default 1 MiB; 0 disables the cache). */
  cacheMaxFileSize?: number
  /** Most bytes the cache may hold (default 32 MiB). */
  cacheMaxBytes?: number
  /** Most files the cache may hold (default 1024). */
  cacheMaxEntries?: number
  /**
   * The names of the two reply decorators (default `download` and `inline`). Rename them to use the
   * plugin next to another that decorates `reply.download`, as @fastify/static does; declare the new
   * names on FastifyReply for TypeScript (README, "With @fastify/static").
   */
  decorators?: { download?: string, inline?: string }
}

/**
 * The size and use of the in-memory file cache, as `app.downloadsCache` reports it.
 *
 * @example
 * const { hits, misses, bytes }: FileCacheStats = app.downloadsCache
 */
export interface FileCacheStats {
  entries: number
  bytes: number
  hits: number
  misses: number
  maxBytes: number
  maxEntries: number
  maxFileSize: number
}

/**
 * What the `fastify-downloads:outcome` diagnostics channel publishes, once per download.
 *
 * @example
 * subscribe('fastify-downloads:outcome', (message) => {
 *   const { request, outcome } = message as OutcomeMessage
 *   metrics.observe(request.routeOptions.url, outcome.bytesSent)
 * })
 */
export interface OutcomeMessage {
  request: FastifyRequest
  reply: FastifyReply
  outcome: DownloadOutcome
}

/**
 * The type of `reply.download` and `reply.inline`: declare renamed decorators with it.
 *
 * @example
 * declare module 'fastify' { interface FastifyReply { sendDownload: DownloadMethod } }
 */
export interface DownloadMethod {
  /** Sends `source` with the suggested file name `filename`. */
  (source: DownloadSource, filename?: string, options?: DownloadOptions): FastifyReply
  (source: DownloadSource, options: DownloadOptions): FastifyReply
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Size and use of the in-memory cache of small files (bounded by the cache* options). */
    readonly downloadsCache: FileCacheStats
  }
  // Methods, not properties: @fastify/static declares a `download` method too, and a property of the
  // same name would not merge with it (TS2300) in an app that has both installed.
  interface FastifyReply {
    /**
     * Sends a file (a path under the root) or another source as an attachment (`Content-Disposition: attachment`).
     *
     * @example
     * app.get('/files/:name', (req, reply) => reply.download(req.params.name))
     */
    download (source: DownloadSource, filename?: string, options?: DownloadOptions): FastifyReply
    download (source: DownloadSource, options: DownloadOptions): FastifyReply
    /**
     * Sends a file or another source to be shown in the browser (`Content-Disposition: inline`).
     *
     * @example
     * app.get('/view/:name', (req, reply) => reply.inline(req.params.name))
     */
    inline (source: DownloadSource, filename?: string, options?: DownloadOptions): FastifyReply
    inline (source: DownloadSource, options: DownloadOptions): FastifyReply
  }
}
