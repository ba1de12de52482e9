// An app that already has an @aws-sdk/client-s3 v3 client uses it for both modes; the plugin loads the
// SDK (and @aws-sdk/s3-request-presigner, for presign()) only here, so the core never depends on it.
import { S3Client } from '@aws-sdk/client-s3'
import Fastify from 'fastify'
import downloads from 'fastify-downloads'
import { sdkStore } from 'fastify-downloads/s3'

// WHEN_REQUIRED: the SDK's default CRC32 checksums are refused by several S3-compatible stores.
const client = new S3Client({ region: 'us-east-1', requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' })
const store = sdkStore({ client, bucket: 'reports' })

const app = Fastify()
await app.register(downloads, { root: './files' })

app.get<{ Params: { key: string } }>('/reports/:key', async (req, reply) => {
  const object = await store.source(req.params.key, { required: true }) // a missing key: 404 FST_DOWNLOADS_NOT_FOUND
  return reply.download(object)
})

await app.listen({ port: 3000 })
