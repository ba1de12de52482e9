// Redirect mode: the route checks who asks, then sends the client to a short-lived presigned URL, so
// no byte passes through Node. The store applies the Content-Disposition the plugin's encoder built.
import Fastify from 'fastify'
import { s3Store } from 'fastify-downloads/s3'

const store = s3Store({
  region: 'eu-west-1',
  bucket: 'reports',
  credentials: { accessKeyId: process.env.S3_ACCESS_KEY_ID!, secretAccessKey: process.env.S3_SECRET_ACCESS_KEY! }
})

const app = Fastify()

app.get<{ Params: { key: string } }>('/go/:key', async (req, reply) => {
  const url = await store.presign(req.params.key, { expiresIn: 300, disposition: 'attachment', filename: 'Q3 report.pdf' })
  return reply.redirect(url, 303)
})

await app.listen({ port: 3000 })
