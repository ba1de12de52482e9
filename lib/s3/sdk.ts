import { Readable } from 'node:stream'
import { FST_DOWNLOADS_INVALID_OPTION } from '../errors.js'
import type { ByteRange } from '../types.js'
import { sameRange, type Answer, type Backend, type Head } from './store.js'

/**
 * As much of an @aws-sdk/client-s3 v3 `S3Client` as the adapter uses: typed here, so that the package
 * never needs the SDK's types (it is an optional peer, loaded only by sdkStore()).
 *
 * @example
 * const client: S3ClientLike = new S3Client({ region: 'eu-west-1' })
 */
export interface S3ClientLike {
  send: (command: never, options?: { abortSignal?: AbortSignal }) => Promise<unknown>
}

interface SdkError { name?: string, $metadata?: { httpStatusCode?: number }, Code?: string }
interface SdkModule {
  HeadObjectCommand: new (input: object) => never
  GetObjectCommand: new (input: object) => never
}
interface PresignerModule { getSignedUrl: (client: never, command: never, options: { expiresIn: number }) => Promise<string> }

// Loaded on first use: an app that does not use the adapter needs neither package installed.
let sdk: Promise<SdkModule> | undefined
let presigner: Promise<PresignerModule> | undefined
const missing = (name: string) => (): never => {
  throw new FST_DOWNLOADS_INVALID_OPTION('client', `sdkStore() needs ${name} installed (an optional peer dependency)`)
}
const loadSdk = (): Promise<SdkModule> => (sdk ??= (import('@aws-sdk/client-s3' as string) as Promise<SdkModule>).catch(missing('@aws-sdk/client-s3')))
const loadPresigner = (): Promise<PresignerModule> =>
  (presigner ??= (import('@aws-sdk/s3-request-presigner' as string) as Promise<PresignerModule>).catch(missing('@aws-sdk/s3-request-presigner')))

/**
 * The answer an SDK error stands for, or the error itself (a network failure). The SDK's error objects
 * carry the store's whole error body (for a bad signature, the string signed): only status and code leave.
 */
function answerOf (err: unknown): Answer {
  const e = err as SdkError
  const status = e.$metadata?.httpStatusCode
  if (typeof status !== 'number') throw err
  // A HEAD's error has no body: the SDK names it 'Unknown' (or after the status), which says nothing.
  return { status, code: e.Code ?? (e.name === undefined || e.name === 'Unknown' ? undefined : e.name) }
}

/** The store over a user's S3Client: the requests are the SDK's, what their answers mean is store.ts's. */
export function sdkBackend (client: S3ClientLike, bucket: string): Backend {
  return {
    bucket,
    async head (key: string, signal: AbortSignal): Promise<Head | Answer> {
      const { HeadObjectCommand } = await loadSdk()
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal }) as {
          ContentLength?: number, ETag?: string, LastModified?: Date, ContentType?: string, ContentEncoding?: string
        }
        return {
          size: head.ContentLength ?? NaN,
          etag: head.ETag,
          lastModified: head.LastModified?.getTime(),
          contentType: head.ContentType,
          contentEncoding: head.ContentEncoding
        }
      } catch (err) {
        if (signal.aborted) throw err
        return answerOf(err)
      }
    },
    // The SDK hands over the stored bytes as they are (it decodes no Content-Encoding): `encoded` needs nothing here.
    async get (key: string, etag: string | undefined, range: ByteRange | undefined, _encoded: boolean, signal: AbortSignal) {
      const { GetObjectCommand } = await loadSdk()
      try {
        const input = { Bucket: bucket, Key: key, IfMatch: etag, Range: range === undefined ? undefined : `bytes=${range.start}-${range.end}` }
        const got = await client.send(new GetObjectCommand(input), { abortSignal: signal }) as { Body?: Readable | ReadableStream<Uint8Array>, ContentRange?: string }
        if (got.Body === undefined) return { status: 502, code: 'NoBody' }
        const body = got.Body instanceof Readable ? got.Body : Readable.fromWeb(got.Body as import('node:stream/web').ReadableStream<Uint8Array>)
        if (range !== undefined && !sameRange(got.ContentRange, range)) {
          body.destroy()
          return { status: 206, code: 'RangeMismatch' }
        }
        return body
      } catch (err) {
        if (signal.aborted) throw err
        return answerOf(err)
      }
    },
    async presign (key: string, expiresIn: number, query: Record<string, string>): Promise<string> {
      const [{ GetObjectCommand }, { getSignedUrl }] = await Promise.all([loadSdk(), loadPresigner()])
      const command = new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ResponseContentDisposition: query['response-content-disposition'],
        ResponseContentType: query['response-content-type'],
        ResponseCacheControl: query['response-cache-control']
      })
      return await getSignedUrl(client as never, command, { expiresIn })
    }
  }
}
