import type { Readable } from 'node:stream'
import type { ReadableStream } from 'node:stream/web'
import type { ByteRange } from './conditional/range.js'
import type { TrustedFile } from './body/trusted.js'

export type { ByteRange }

/** What happened to one download, given to `cleanup` and published on `fastify-downloads:outcome`. */
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

export type CleanupFunction = (outcome: DownloadOutcome) => void | Promise<void>

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
  /** Opens the whole body (no argument) or the inclusive range `start`-`end`: exactly those bytes. */
  open: (range?: ByteRange) => RangedBody | Promise<RangedBody>
}

/** Anything reply.download() and reply.inline() can send. */
export type DownloadSource =
  | string
  | TrustedFile
  | Buffer
  | Uint8Array
  | Readable
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | string>
  | RangedSource

/** Options for one download; every one can also be given at registration as a default. */
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

export type DotfilesPolicy = 'ignore' | 'deny' | 'allow'

/** Options of `app.register(downloads, options)`. */
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
