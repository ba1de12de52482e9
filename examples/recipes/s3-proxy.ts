// Proxy mode: the bytes of an object in an S3-compatible store pass through the route, which decides
// who may read what. Range, If-Range, 304, 412, HEAD, throttle and cleanup behave as for files.
import Fastify from 'fastify'
import downloads from 'fastify-downloads'
import { clientSignal, s3Store } from 'fastify-downloads/s3'

const store = s3Store({
  endpoint: process.env.S3_ENDPOINT, // omit for AWS S3 itself
  region: 'us-east-1',
  bucket: 'reports',
  credentials: { accessKeyId: process.env.S3_ACCESS_KEY_ID!, secretAccessKey: process.env.S3_SECRET_ACCESS_KEY! },
  forcePathStyle: true // MinIO, Ceph, Swift; AWS and R2 take the bucket in the host name too
})

const app = Fastify()
await app.register(downloads, { root: './files' })

app.get<{ Params: { key: string } }>('/reports/:key', async (req, reply) => {
  // One HEAD: size, ETag, Last-Modified and Content-Type; aborted if the client leaves meanwhile.
  const object = await store.source(req.params.key, { signal: clientSignal(reply) })
  if (object === null) return reply.callNotFound()
  return reply.download(object, 'Q3 report.pdf', { throttle: { bytesPerSecond: 5e6 } })
})

await app.listen({ port: 3000 })
