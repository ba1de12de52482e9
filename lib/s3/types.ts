import type { OpenOptions, RangedSource } from '../types.js'
import type { DispositionType } from '../http/disposition.js'

/**
 * Where the store is and who the plugin is to it.
 *
 * @example
 * const options: S3StoreOptions = {
 *   endpoint: 'http://127.0.0.1:8080', region: 'us-east-1', bucket: 'reports', forcePathStyle: true,
 *   credentials: { accessKeyId: process.env.S3_KEY!, secretAccessKey: process.env.S3_SECRET! }
 * }
 */
export interface S3StoreOptions {
  /** The store's base URL; default `https://s3.<region>.amazonaws.com`. */
  endpoint?: string
  region: string
  bucket: string
  credentials: S3Credentials
  /** Address the bucket in the path (`endpoint/bucket/key`, what MinIO, Swift and Ceph want) rather than the host name. Default false. */
  forcePathStyle?: boolean
  /** Milliseconds the store has to answer a HEAD or to send a GET's first byte; default 30000 (the rest of the body has no deadline). */
  timeout?: number
  /**
   * Milliseconds a HEAD's answer stands in for the next source() of the same key (default 0: every call
   * HEADs). Reads stay exact, as each GET carries its ETag in If-Match and a changed object is HEADed
   * again; what may be up to this old is a 304, 412 or HEAD answer, and a key deleted meanwhile (a 404
   * once its GET fails). Saves the store round trip a download otherwise waits for.
   */
  metadataMaxAge?: number
}

/**
 * An access key pair (and a session token for temporary credentials).
 *
 * @example
 * const credentials: S3Credentials = { accessKeyId: 'AKIA...', secretAccessKey: process.env.S3_SECRET! }
 */
export interface S3Credentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

/**
 * One object, as its HEAD described it: a ranged source for reply.download(). Every read carries
 * `If-Match` with this ETag, so the bytes of two versions never meet in one response.
 *
 * @example
 * const object: S3Object | null = await store.source('q3/report.pdf')
 * if (object !== null) return reply.download(object, 'Q3 report.pdf')
 */
export interface S3Object extends RangedSource {
  readonly key: string
  readonly size: number
  readonly etag: string
  /** The object's Content-Type, used when neither `mediaType` nor the file name names one. */
  readonly mediaType: string | undefined
  /** The object's Content-Encoding (an object uploaded gzip-ed): sent on, with the stored bytes as they are. */
  readonly contentEncoding: string | undefined
  /** The last segment of the key: the name suggested when the call gives none. */
  readonly filename: string
  /** HEADs the key again: the current version (null: gone). The plugin asks it when a GET's If-Match failed. */
  reload: (options: OpenOptions) => Promise<S3Object | null>
}

/**
 * What `source()` takes besides the key.
 *
 * @example
 * await store.source(key, { signal: clientSignal(reply), required: true })
 */
export interface SourceOptions {
  /** Aborts the HEAD (`clientSignal(reply)`: when the client leaves). */
  signal?: AbortSignal
  /** A missing key throws FST_DOWNLOADS_NOT_FOUND (a 404) instead of returning null. */
  required?: boolean
}

/**
 * A presigned GET: how long it lives and how the browser should treat the file.
 *
 * @example
 * await store.presign('q3/report.pdf', { expiresIn: 300, disposition: 'attachment', filename: 'Q3 report.pdf' })
 */
export interface PresignOptions {
  /** Seconds the URL is valid: a whole number from 1 to 604800 (7 days, SigV4's limit); default 300. */
  expiresIn?: number
  /** `response-content-disposition`, built by the plugin's RFC 6266/8187 encoder. Default `attachment` when a filename is given. */
  disposition?: DispositionType
  /** The name to save under (default: the key's last segment, when a disposition is asked for). */
  filename?: string
  /** `response-content-type`. */
  contentType?: string
  /** `response-cache-control`. */
  cacheControl?: string
}

/**
 * An S3-compatible bucket the routes serve from: `source()` for proxy mode, `presign()` for redirect mode.
 *
 * @example
 * const store: S3Store = s3Store({ region: 'eu-west-1', bucket: 'reports', credentials })
 */
export interface S3Store {
  readonly bucket: string
  /**
   * HEADs the key: its size, ETag, Last-Modified and Content-Type as a source; null when there is no
   * such key (or, with `required`, FST_DOWNLOADS_NOT_FOUND).
   */
  source: {
    (key: string, options: SourceOptions & { required: true }): Promise<S3Object>
    (key: string, options?: SourceOptions): Promise<S3Object | null>
  }
  /** A SigV4 presigned GET URL for the key (no request is made). */
  presign: (key: string, options?: PresignOptions) => Promise<string>
}
