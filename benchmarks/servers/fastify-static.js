// Contender: @fastify/static reply.download. HIGH_WATER_MARK=65536 gives the tuned variant: the plugin-level
// option is not forwarded to @fastify/send, so it has to be passed per call (reply.download's options).
// @fastify/static has no Buffer, stream or cleanup download: those routes use the idiomatic Fastify equivalent.
import Fastify from 'fastify'
import fastifyStatic from '@fastify/static'
import { filesDir, port, bareRoutes, cleanup, ready } from './common.js'

const highWaterMark = process.env.HIGH_WATER_MARK ? Number(process.env.HIGH_WATER_MARK) : undefined
const sendOptions = highWaterMark ? { highWaterMark } : {}

const app = Fastify({ logger: false })
await app.register(fastifyStatic, { root: filesDir, serve: false })

app.get('/files/:name', (req, reply) => reply.download(req.params.name, sendOptions))
bareRoutes(app)
app.get('/cleanup/:name', (req, reply) => {
  // 'close' fires on finish and on abort alike (onResponse does not fire on abort).
  reply.raw.once('close', cleanup)
  return reply.download(req.params.name, sendOptions)
})

await app.listen({ port, host: '127.0.0.1' })
ready(highWaterMark ? `fastify-static-hwm${highWaterMark}` : 'fastify-static')
