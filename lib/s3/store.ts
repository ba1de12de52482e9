import { Readable } from 'node:stream'
import {
  FST_DOWNLOADS_FILE_CHANGED, FST_DOWNLOADS_INVALID_OPTION, FST_DOWNLOADS_NOT_FOUND, FST_DOWNLOADS_STORE_DENIED, FST_DOWNLOADS_STORE_ERROR,
  FST_DOWNLOADS_STORE_TIMEOUT, FST_DOWNLOADS_STORE_UNREACHABLE
} from '../errors.js'
import { contentDisposition } from '../http/disposition.js'
import { firstChunk } from '../sources/stream.js'
import type { ByteRange, OpenOptions } from '../types.js'
import type { PresignOptions, S3Object, S3Store, SourceOptions } from './types.js'

/** What a HEAD tells of an object: what the plan, the headers and each GET's If-Match are made from. */
export interface Head {
  size: number
  etag: string | undefined
  lastModified: number | undefined
  contentType: string | undefined
  contentEncoding: string | undefined
}

/** A store's answer to a request, as far as the decisions below read it. */
export interface Answer {
  status: number
  /** The S3 error code (`AccessDenied`, `SignatureDoesNotMatch`) when the store sent one. */
  code?: string | undefined
}

/**
 * The three requests a client library makes for the store (aws4fetch over fetch, or the @aws-sdk
 * client): the decisions about what their answers mean are shared, here.
 */
export interface Backend {
  readonly bucket: string
  /** HEAD: `answer` for a status other than 200, or the object. */
  head: (key: string, signal: AbortSignal) => Promise<Head | Answer>
  /**
   * A GET with If-Match (unless `etag` is undefined) and Range: `answer` for a status other than
   * 200/206 or a 206 of other bytes than asked, or the body. `encoded`: the object has a Content-Encoding,
   * whose bytes must arrive as they are stored.
   */
  get: (key: string, etag: string | undefined, range: ByteRange | undefined, encoded: boolean, signal: AbortSignal) => Promise<Readable | Answer>
  presign: (key: string, expiresIn: number, query: Record<string, string>) => Promise<string>
}

const MAX_EXPIRES = 604800
const DEFAULT_TIMEOUT = 30_000
const METADATA_ENTRIES = 10_000

const isAnswer = (value: object): value is Answer => typeof (value as Answer).status === 'number'

/**
 * Whether a key can be addressed in a URL as itself: a `.` or `..` segment would be resolved away by
 * the URL parser (also when percent-encoded), reaching another key or another bucket; a lone
 * surrogate cannot be percent-encoded.
 */
function addressable (key: string): boolean {
  if (typeof key !== 'string' || key === '' || !key.isWellFormed() || Buffer.byteLength(key) > 1024) return false
  for (const segment of key.split('/')) {
    if (segment === '.' || segment === '..') return false
  }
  return true
}

/** Whether a 206's Content-Range is the range asked for: the bytes of another range would be sent as these. */
export function sameRange (contentRange: string | null | undefined, range: ByteRange): boolean {
  const match = /^bytes (\d+)-(\d+)\//.exec(contentRange ?? '')
  return match !== null && Number(match[1]) === range.start && Number(match[2]) === range.end
}

/** A key as a URL path, every byte outside RFC 3986's unreserved set percent-encoded (SigV4's UriEncode). */
export function keyPath (key: string): string {
  return key.split('/').map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/')
}

/** An answer the plugin did not ask for, as the 502 it is; the S3 error code names what went wrong, never a signature. */
function answerFailure (answer: Answer, bucket: string): Error {
  const detail = { bucket, status: answer.status, s3Code: answer.code }
  if (answer.status === 401 || answer.status === 403) return Object.assign(new FST_DOWNLOADS_STORE_DENIED(), detail)
  return Object.assign(new FST_DOWNLOADS_STORE_ERROR(), detail)
}

/** A network failure, with what names it (ECONNREFUSED, the address) and nothing else: an undici message may quote a header it refused. */
function networkCause (err: unknown): Error {
  const cause = ((err as { cause?: unknown }).cause ?? err) as { code?: unknown, syscall?: unknown, address?: unknown, port?: unknown }
  const code = typeof cause.code === 'string' ? cause.code : 'network error'
  return Object.assign(new Error(code), { code, syscall: cause.syscall, address: cause.address, port: cause.port })
}

/** Waits for a body's first byte; a body that fails first is the store's failure (the raw error), not a source's 500. */
async function firstByte (body: Readable): Promise<void> {
  try {
    await firstChunk(body)
  } catch (err) {
    throw (err as { cause?: unknown }).cause ?? err
  }
}

/**
 * Runs one request to the store under a deadline for its answer and, for a body, its first byte
 * (`timeout`), and under the caller's signal: a timeout is FST_DOWNLOADS_STORE_TIMEOUT, a network failure
 * FST_DOWNLOADS_STORE_UNREACHABLE; the caller's abort is passed on as it is (nobody waits for a 502).
 * A body goes on under the caller's signal until it closes.
 */
async function withDeadline<T> (bucket: string, timeout: number, signal: AbortSignal | undefined, request: (signal: AbortSignal) => Promise<T>): Promise<T> {
  signal?.throwIfAborted()
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeout)
  const onAbort = (): void => controller.abort(signal!.reason)
  signal?.addEventListener('abort', onAbort, { once: true })
  let result: T | undefined
  try {
    result = await request(controller.signal)
    if (result instanceof Readable) await firstByte(result)
    return result
  } catch (err) {
    if (result instanceof Readable) result.destroy()
    if (signal?.aborted === true) throw signal.reason
    if (controller.signal.aborted) throw Object.assign(new FST_DOWNLOADS_STORE_TIMEOUT(), { bucket, timeoutMs: timeout })
    if ((err as { statusCode?: number }).statusCode !== undefined) throw err
    throw Object.assign(new FST_DOWNLOADS_STORE_UNREACHABLE({ cause: networkCause(err) }), { bucket })
  } finally {
    clearTimeout(timer)
    const forget = (): void => signal?.removeEventListener('abort', onAbort)
    if (result instanceof Readable && !result.destroyed) result.once('close', forget)
    else forget()
  }
}

/** The store a backend reaches: HEAD-made sources that read with If-Match, and presigned URLs. */
export function storeOver (backend: Backend, timeout = DEFAULT_TIMEOUT, metadataMaxAge = 0): S3Store {
  const { bucket } = backend
  if (!Number.isInteger(timeout) || timeout < 1) throw new FST_DOWNLOADS_INVALID_OPTION('timeout', 'must be a whole number of milliseconds >= 1')
  if (!Number.isInteger(metadataMaxAge) || metadataMaxAge < 0) throw new FST_DOWNLOADS_INVALID_OPTION('metadataMaxAge', 'must be a whole number of milliseconds >= 0')
  // Safe to reuse because every GET carries the ETag in If-Match: a changed object is HEADed again (reload).
  let heads = new Map<string, { head: Head, until: number }>()

  async function source (key: string, options: SourceOptions = {}, fresh = false): Promise<S3Object | null> {
    if (metadataMaxAge > 0 && !fresh) {
      const kept = heads.get(key)
      if (kept !== undefined && kept.until > Date.now()) return object(key, kept.head)
    }
    const head = addressable(key) ? await withDeadline(bucket, timeout, options.signal, (signal) => backend.head(key, signal)) : { status: 404 }
    if (isAnswer(head)) {
      heads.delete(key)
      if (head.status !== 404) throw answerFailure(head, bucket)
      if (options.required === true) throw new FST_DOWNLOADS_NOT_FOUND()
      return null
    }
    // Without a length the plugin can frame nothing: a store that sends none is failing.
    if (!Number.isSafeInteger(head.size) || head.size < 0) throw answerFailure({ status: 200, code: 'NoContentLength' }, bucket)
    if (head.lastModified !== undefined && Number.isNaN(head.lastModified)) head.lastModified = undefined
    if (metadataMaxAge > 0) {
      // Bounded as lib/memo.ts is: when full it starts over.
      if (heads.size >= METADATA_ENTRIES) heads = new Map()
      heads.set(key, { head, until: Date.now() + metadataMaxAge })
    }
    return object(key, head)
  }

  function object (key: string, head: Head): S3Object {
    return {
      key,
      size: head.size,
      etag: head.etag ?? '',
      lastModified: head.lastModified,
      mediaType: head.contentType,
      contentEncoding: head.contentEncoding,
      filename: key.slice(key.lastIndexOf('/') + 1) || 'download',
      // A multipart answer opens each range with its own GET: ranges are rarely close, and one covering GET would read the gaps.
      open: (range?: ByteRange, options?: OpenOptions) => read(key, head, range, options?.signal),
      reload: ({ signal }: OpenOptions) => source(key, { signal }, true)
    }
  }

  async function read (key: string, head: Head, range: ByteRange | undefined, signal: AbortSignal | undefined): Promise<Readable> {
    // A weak ETag never passes If-Match (a strong comparison): such an object is read without it.
    const etag = head.etag === undefined || head.etag.startsWith('W/') ? undefined : head.etag
    const body = await withDeadline(bucket, timeout, signal, (deadline) => backend.get(key, etag, range, head.contentEncoding !== undefined, deadline))
    if (!isAnswer(body)) return body
    // Another version (If-Match failed), gone, or shorter than the range: the headers made from the HEAD no longer hold.
    if (body.status === 412 || body.status === 404 || body.status === 416) throw Object.assign(new FST_DOWNLOADS_FILE_CHANGED(), { headers: { 'retry-after': '1' } })
    throw answerFailure(body, bucket)
  }

  function presign (key: string, options: PresignOptions = {}): Promise<string> {
    const expiresIn = options.expiresIn ?? 300
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRES) {
      throw new FST_DOWNLOADS_INVALID_OPTION('expiresIn', `must be a whole number of seconds from 1 to ${MAX_EXPIRES} (7 days)`)
    }
    // As source() answers null for it: a key a client chose that no object can have is a 404, not a 500.
    if (!addressable(key)) throw new FST_DOWNLOADS_NOT_FOUND()
    const query: Record<string, string> = {}
    if (options.disposition !== undefined || options.filename !== undefined) {
      query['response-content-disposition'] = contentDisposition(options.disposition ?? 'attachment', options.filename ?? key.slice(key.lastIndexOf('/') + 1))
    }
    if (options.contentType !== undefined) query['response-content-type'] = options.contentType
    if (options.cacheControl !== undefined) query['response-cache-control'] = options.cacheControl
    return backend.presign(key, expiresIn, query)
  }

  // presign() throws for bad options at once; the API is a promise, so they arrive as its rejection.
  return { bucket, source: source as S3Store['source'], presign: async (key, options) => await presign(key, options) }
}
