// aws4fetch: SigV4 over the global fetch in one small package (~10 ms to import); @aws-sdk/client-s3 is 26 packages and 170-270 ms.
import { AwsClient } from 'aws4fetch'
import { Readable } from 'node:stream'
import { FST_DOWNLOADS_INVALID_OPTION } from '../errors.js'
import type { ByteRange } from '../types.js'
import { keyPath, sameRange, type Answer, type Backend, type Head } from './store.js'
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
  // A key read from a file often ends in a newline: the signed header would be refused with its value (the signature) in the message.
  for (const part of ['accessKeyId', 'secretAccessKey', 'sessionToken'] as const) {
    const value = credentials[part]
    if (value !== undefined && (value === '' || /[\s\u0000-\u001f\u007f]/.test(value))) throw new FST_DOWNLOADS_INVALID_OPTION(`credentials.${part}`, 'must be non-empty, without spaces or control characters')
  }
  const aws = new AwsClient({ ...credentials, service: 's3', region: options.region, retries: 0 })
  const base = bucketUrl(options)
  const url = (key: string): string => base + keyPath(key)

  return {
    bucket,
    async head (key: string, signal: AbortSignal): Promise<Head | Answer> {
      const response = await fetch(await aws.sign(url(key), { method: 'HEAD' }), { signal, redirect: 'manual' })
      if (response.status !== 200) return { status: response.status }
      const header = (name: string): string | undefined => response.headers.get(name) ?? undefined
      const modified = header('last-modified')
      return {
        size: Number(header('content-length') ?? NaN),
        etag: header('etag'),
        lastModified: modified === undefined ? undefined : Date.parse(modified),
        contentType: header('content-type'),
        contentEncoding: header('content-encoding')
      }
    },
    async get (key: string, etag: string | undefined, range: ByteRange | undefined, encoded: boolean, signal: AbortSignal) {
      const headers: Record<string, string> = {}
      if (etag !== undefined) headers['if-match'] = etag
      if (range !== undefined) headers.range = `bytes=${range.start}-${range.end}`
      // fetch decodes a gzip body whatever it is asked: `identity` in the answer keeps the stored bytes, which size and ranges count.
      const target = encoded ? `${url(key)}?response-content-encoding=identity` : url(key)
      const response = await fetch(await aws.sign(target, { method: 'GET', headers }), { signal, redirect: 'manual' })
      const expected = range === undefined ? 200 : 206
      if (response.status !== expected || response.body === null || (range !== undefined && !sameRange(response.headers.get('content-range'), range))) {
        // A 200 to a Range is a store that ignored it, a 206 of other bytes one that misread it: neither is what was announced.
        if (response.status === 200 || response.status === 206) {
          await response.body?.cancel()
          return { status: response.status, code: 'RangeMismatch' }
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
      // URLSearchParams writes a space as `+`; the signature was computed over `%20` (RFC 3986), which every store reads alike.
      return signed.url.replace(/\+/g, '%20')
    }
  }
}
