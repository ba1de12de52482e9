// aws4fetch: SigV4 over the global fetch in one small package (~10 ms to import); @aws-sdk/client-s3 is 26 packages and 170-270 ms.
import { AwsClient } from 'aws4fetch'
import { Readable } from 'node:stream'
import { FST_DOWNLOADS_INVALID_OPTION } from '../errors.js'
import type { ByteRange } from '../types.js'
import { keyPath, type Answer, type Backend, type Head } from './store.js'
import type { S3StoreOptions } from './types.js'

/** The S3 error code of an error body (`<Code>AccessDenied</Code>`): nothing else of it, which may echo the string signed. */
async function errorCode (response: Response): Promise<string | undefined> {
  if (response.body === null) return undefined
  const text = await response.text().catch(() => '')
  return /<Code>([A-Za-z0-9.]{1,64})<\/Code>/.exec(text)?.[1]
}

/** The base URL of the bucket: `endpoint/bucket` in path style, else `bucket.host`. */
function bucketUrl (options: S3StoreOptions): string {
  const endpoint = new URL(options.endpoint ?? `https://s3.${options.region}.amazonaws.com`)
  const base = endpoint.pathname.replace(/\/+$/, '')
  if (options.forcePathStyle === true) return `${endpoint.origin}${base}/${encodeURIComponent(options.bucket)}/`
  return `${endpoint.protocol}//${options.bucket}.${endpoint.host}${base}/`
}

/** The store over aws4fetch and Node's fetch. */
export function fetchBackend (options: S3StoreOptions): Backend {
  const { bucket, credentials } = options
  if (typeof bucket !== 'string' || bucket === '') throw new FST_DOWNLOADS_INVALID_OPTION('bucket', 'must be a non-empty string')
  if (typeof credentials?.accessKeyId !== 'string' || typeof credentials.secretAccessKey !== 'string') {
    throw new FST_DOWNLOADS_INVALID_OPTION('credentials', 'must have accessKeyId and secretAccessKey strings')
  }
  const aws = new AwsClient({ ...credentials, service: 's3', region: options.region, retries: 0 })
  const base = bucketUrl(options)
  const url = (key: string): string => base + keyPath(key)

  return {
    bucket,
    async head (key: string, signal: AbortSignal): Promise<Head | Answer> {
      const response = await fetch(await aws.sign(url(key), { method: 'HEAD' }), { signal })
      if (response.status !== 200) return { status: response.status }
      const modified = response.headers.get('last-modified')
      return {
        size: Number(response.headers.get('content-length')),
        etag: response.headers.get('etag') ?? '',
        lastModified: modified === null ? undefined : Date.parse(modified),
        contentType: response.headers.get('content-type') ?? undefined
      }
    },
    async get (key: string, etag: string, range: ByteRange | undefined, signal: AbortSignal) {
      const headers: Record<string, string> = { 'if-match': etag }
      if (range !== undefined) headers.range = `bytes=${range.start}-${range.end}`
      const response = await fetch(await aws.sign(url(key), { method: 'GET', headers }), { signal })
      const expected = range === undefined ? 200 : 206
      if (response.status !== expected || response.body === null) {
        // A 200 to a Range is a store that ignored it: its bytes are not the ones announced.
        if (response.status === 200) {
          await response.body?.cancel()
          return { status: 200, code: 'RangeIgnored' }
        }
        return { status: response.status, code: await errorCode(response) }
      }
      return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>)
    },
    async presign (key: string, expiresIn: number, query: Record<string, string>): Promise<string> {
      const target = new URL(url(key))
      target.searchParams.set('X-Amz-Expires', String(expiresIn))
      for (const name in query) target.searchParams.set(name, query[name]!)
      const signed = await aws.sign(target.href, { method: 'GET', aws: { signQuery: true } })
      return signed.url
    }
  }
}
