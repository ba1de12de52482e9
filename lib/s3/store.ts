import { FST_DOWNLOADS_FILE_CHANGED, FST_DOWNLOADS_INVALID_OPTION, FST_DOWNLOADS_NOT_FOUND, FST_DOWNLOADS_STORE_DENIED, FST_DOWNLOADS_STORE_ERROR, FST_DOWNLOADS_STORE_TIMEOUT, FST_DOWNLOADS_STORE_UNREACHABLE } from '../errors.js'
import { contentDisposition } from '../http/disposition.js'
import type { ByteRange, OpenOptions, RangedBody } from '../types.js'
import type { PresignOptions, S3Object, S3Store, SourceOptions } from './types.js'

/** What a HEAD tells of an object. */
export interface Head {
  size: number
  etag: string
  lastModified: number | undefined
  contentType: string | undefined
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
  /** A GET with If-Match (and Range): `answer` for a status other than 200/206, or the body. */
  get: (key: string, etag: string, range: ByteRange | undefined, signal: AbortSignal) => Promise<RangedBody | Answer>
  presign: (key: string, expiresIn: number, query: Record<string, string>) => Promise<string>
}

const MAX_EXPIRES = 604800
const DEFAULT_TIMEOUT = 30_000

export const isAnswer = (value: object): value is Answer => typeof (value as Answer).status === 'number'

/**
 * Whether a key can be addressed in a URL as itself: a `.` or `..` segment would be resolved away by
 * the URL parser (also when percent-encoded), reaching another key or another bucket.
 */
export function addressable (key: string): boolean {
  if (typeof key !== 'string' || key === '' || Buffer.byteLength(key) > 1024) return false
  for (const segment of key.split('/')) {
    if (segment === '.' || segment === '..') return false
  }
  return true
}

/** A key as a URL path, every byte outside RFC 3986's unreserved set percent-encoded (SigV4's UriEncode). */
export function keyPath (key: string): string {
  return key.split('/').map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/')
}

/** An answer the plugin did not ask for, as the 502 it is; the S3 error code names what went wrong, never a signature. */
export function answerFailure (answer: Answer, bucket: string): Error {
  const what = answer.code === undefined ? `HTTP ${answer.status}` : `HTTP ${answer.status} ${answer.code}`
  if (answer.status === 401 || answer.status === 403) return new FST_DOWNLOADS_STORE_DENIED(what, bucket)
  return new FST_DOWNLOADS_STORE_ERROR(what, bucket)
}

/**
 * Runs one request to the store under a deadline for its answer (`timeout`, not for the body that
 * follows it) and the caller's signal: a timeout is FST_DOWNLOADS_STORE_TIMEOUT, a network failure
 * FST_DOWNLOADS_STORE_UNREACHABLE; the caller's abort is passed on as it is (nobody waits for a 502).
 */
export async function withDeadline<T> (bucket: string, timeout: number, signal: AbortSignal | undefined, request: (signal: AbortSignal) => Promise<T>): Promise<T> {
  signal?.throwIfAborted()
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeout)
  const onAbort = (): void => controller.abort(signal!.reason)
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    return await request(controller.signal)
  } catch (err) {
    if (signal?.aborted === true) throw signal.reason
    if (controller.signal.aborted) throw new FST_DOWNLOADS_STORE_TIMEOUT(timeout, bucket)
    if ((err as { statusCode?: number }).statusCode !== undefined) throw err
    throw new FST_DOWNLOADS_STORE_UNREACHABLE(bucket, { cause: err })
  } finally {
    // The deadline was for the answer; the body that follows still stops with the caller's signal.
    clearTimeout(timer)
  }
}

/** The store a backend reaches: HEAD-made sources that read with If-Match, and presigned URLs. */
export function storeOver (backend: Backend, timeout = DEFAULT_TIMEOUT): S3Store {
  const { bucket } = backend
  if (!Number.isInteger(timeout) || timeout < 1) throw new FST_DOWNLOADS_INVALID_OPTION('timeout', 'must be a whole number of milliseconds >= 1')

  async function source (key: string, options: SourceOptions = {}): Promise<S3Object | null> {
    const head = addressable(key) ? await withDeadline(bucket, timeout, options.signal, (signal) => backend.head(key, signal)) : { status: 404 }
    if (isAnswer(head)) {
      if (head.status !== 404) throw answerFailure(head, bucket)
      if (options.required === true) throw new FST_DOWNLOADS_NOT_FOUND()
      return null
    }
    return object(key, head)
  }

  function object (key: string, head: Head): S3Object {
    return {
      key,
      size: head.size,
      etag: head.etag,
      lastModified: head.lastModified,
      mediaType: head.contentType,
      filename: key.slice(key.lastIndexOf('/') + 1) || 'download',
      // A multipart answer opens each range with its own GET: ranges are rarely close, and one covering GET would read the gaps.
      open: (range?: ByteRange, options?: OpenOptions) => read(key, head.etag, range, options?.signal),
      reload: ({ signal }: OpenOptions) => source(key, { signal })
    }
  }

  async function read (key: string, etag: string, range: ByteRange | undefined, signal: AbortSignal | undefined): Promise<RangedBody> {
    const body = await withDeadline(bucket, timeout, signal, (deadline) => backend.get(key, etag, range, deadline))
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
    if (!addressable(key)) throw new FST_DOWNLOADS_INVALID_OPTION('key', 'must be 1 to 1024 bytes without a "." or ".." segment')
    const query: Record<string, string> = {}
    if (options.disposition !== undefined || options.filename !== undefined) {
      query['response-content-disposition'] = contentDisposition(options.disposition ?? 'attachment', options.filename ?? key.slice(key.lastIndexOf('/') + 1))
    }
    if (options.contentType !== undefined) query['response-content-type'] = options.contentType
    if (options.cacheControl !== undefined) query['response-cache-control'] = options.cacheControl
    return backend.presign(key, expiresIn, query)
  }

  return { bucket, source: source as S3Store['source'], presign: async (key, options) => await presign(key, options) }
}
