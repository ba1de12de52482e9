// Type tests of fastify-downloads/s3, against the emitted dist/lib/s3/index.d.ts (`npm run build` first).
import Fastify from 'fastify'
import downloads, { type OpenOptions, type RangedSource } from 'fastify-downloads'
import {
  clientSignal,
  s3Store,
  sdkStore,
  type PresignOptions,
  type S3ClientLike,
  type S3Object,
  type S3Store,
  type S3StoreOptions
} from 'fastify-downloads/s3'
import { S3Client } from '@aws-sdk/client-s3'
import { expectExactType, expectType } from './helpers.js'

const credentials = { accessKeyId: 'key', secretAccessKey: 'secret' }
const store = s3Store({ region: 'us-east-1', bucket: 'reports', credentials })
expectType<S3Store>(store)
expectType<S3Store>(s3Store({ endpoint: 'http://127.0.0.1:8080', region: 'us-east-1', bucket: 'b', credentials, forcePathStyle: true, timeout: 5000 }))
// @ts-expect-error the bucket is required
s3Store({ region: 'us-east-1', credentials })
// @ts-expect-error credentials need both parts
s3Store({ region: 'us-east-1', bucket: 'b', credentials: { accessKeyId: 'key' } })
expectType<S3StoreOptions>({ region: 'r', bucket: 'b', credentials: { ...credentials, sessionToken: 't' } })

// A user's own client fits the adapter without the plugin depending on the SDK's types.
expectType<S3ClientLike>(new S3Client({ region: 'us-east-1' }))
expectType<S3Store>(sdkStore({ client: new S3Client({ region: 'us-east-1' }), bucket: 'reports' }))

const app = Fastify()
await app.register(downloads, { root: '.' })
app.get<{ Params: { key: string } }>('/o/:key', async (req, reply) => {
  const maybe = await store.source(req.params.key, { signal: clientSignal(reply) })
  expectExactType<S3Object | null>()(maybe)
  // `required: true` never returns null.
  const object = await store.source(req.params.key, { required: true })
  expectExactType<S3Object>()(object)
  expectType<RangedSource>(object)
  expectType<string>(object.etag)
  expectType<string | undefined>(object.mediaType)
  // @ts-expect-error a possibly-null object is not a source
  reply.download(maybe)
  return reply.download(object, 'Q3 report.pdf', { throttle: { bytesPerSecond: 5e6 } })
})
app.get<{ Params: { key: string } }>('/go/:key', async (req, reply) => {
  const url = await store.presign(req.params.key, { expiresIn: 300, disposition: 'attachment', filename: 'Q3.pdf' })
  expectType<string>(url)
  return reply.redirect(url, 303)
})
expectType<PresignOptions>({ contentType: 'application/pdf', cacheControl: 'no-store', disposition: 'inline' })
// @ts-expect-error a disposition is attachment or inline
expectType<PresignOptions>({ disposition: 'download' })

// A RangedSource of one's own gets the signal and may reload.
const own: RangedSource = {
  size: 3,
  open: async (_range, options?: OpenOptions) => (await fetch('http://127.0.0.1/x', { signal: options?.signal ?? null })).body!,
  reload: async ({ signal }) => (signal.aborted ? null : own)
}
expectType<RangedSource>(own)
