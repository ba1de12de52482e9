// Contender (benchmarks/s3.js): this library proxying an object of an S3-compatible store, s3Store() and
// reply.download(object). The client's Range reaches the plugin, which asks the store for that range only.
import Fastify from 'fastify'
import downloads from '../../dist/lib/index.js'
import { s3Store } from '../../dist/lib/s3/index.js'
import { filesDir, port, ready, s3 } from './common.js'

// METADATA_MAX_AGE (ms): the HEAD's answer kept for the next downloads of a key (s3Store's metadataMaxAge).
const store = s3Store({ ...s3, forcePathStyle: true, metadataMaxAge: Number(process.env.METADATA_MAX_AGE ?? 0) })
const app = Fastify({ logger: false })
await app.register(downloads, { root: filesDir }) // root is required; no file is served here

app.get('/o/:key', async (req, reply) => {
  const object = await store.source(req.params.key)
  if (!object) return reply.callNotFound()
  return reply.download(object)
})

await app.listen({ port, host: '127.0.0.1' })
ready('s3-fastify-downloads')
