import type { FastifyReply } from 'fastify'
import { FST_DOWNLOADS_CLIENT_GONE } from '../errors.js'
import { fetchBackend } from './fetch.js'
import { sdkBackend, type S3ClientLike } from './sdk.js'
import { storeOver } from './store.js'
import type { S3Store, S3StoreOptions } from './types.js'

export type { PresignOptions, S3Credentials, S3Object, S3Store, S3StoreOptions, SourceOptions } from './types.js'
export type { S3ClientLike } from './sdk.js'

/**
 * The adapter's options: the app's own client, the bucket, and the store's timeout.
 *
 * @example
 * const options: SdkStoreOptions = { client: new S3Client({ region: 'eu-west-1' }), bucket: 'reports', timeout: 10_000 }
 */
export interface SdkStoreOptions {
  client: S3ClientLike
  bucket: string
  /** Milliseconds the store has to answer a HEAD or to send a GET's first byte; default 30000. */
  timeout?: number
  /** As S3StoreOptions.metadataMaxAge. */
  metadataMaxAge?: number
}

/**
 * An S3-compatible bucket (AWS S3, R2, MinIO, Ceph, Swift's S3 API), signed with SigV4 over Node's fetch.
 *
 * @example
 * const store = s3Store({ endpoint: 'http://127.0.0.1:8080', region: 'us-east-1', bucket: 'reports',
 *   credentials: { accessKeyId: 'test:tester', secretAccessKey: 'testing' }, forcePathStyle: true })
 * app.get('/reports/:key', async (req, reply) => {
 *   const object = await store.source(req.params.key, { signal: clientSignal(reply) })
 *   if (object === null) return reply.callNotFound()
 *   return reply.download(object, 'Q3 report.pdf')
 * })
 */
export function s3Store (options: S3StoreOptions): S3Store {
  return storeOver(fetchBackend(options), options.timeout, options.metadataMaxAge)
}

/**
 * The same store over an @aws-sdk/client-s3 v3 client the app already has (HeadObject, GetObject, and
 * @aws-sdk/s3-request-presigner for presign()): both are optional peers, loaded on first use.
 *
 * @example
 * import { S3Client } from '@aws-sdk/client-s3'
 * const store = sdkStore({ client: new S3Client({ region: 'eu-west-1' }), bucket: 'reports' })
 */
export function sdkStore (options: SdkStoreOptions): S3Store {
  return storeOver(sdkBackend(options.client, options.bucket), options.timeout, options.metadataMaxAge)
}

/**
 * A signal that aborts when the client leaves before the response is written: give it to `source()`,
 * so that a HEAD in flight for a client who is gone stops.
 *
 * @example
 * const object = await store.source(req.params.key, { signal: clientSignal(reply) })
 */
export function clientSignal (reply: FastifyReply): AbortSignal {
  const controller = new AbortController()
  const raw = reply.raw
  const leave = (): void => {
    // A 499 (as nginx logs it): Fastify logs a 4xx at info, and nobody is left to send it to.
    if (!raw.writableFinished) controller.abort(new FST_DOWNLOADS_CLIENT_GONE())
  }
  if (raw.destroyed) leave()
  else raw.once('close', leave)
  return controller.signal
}
