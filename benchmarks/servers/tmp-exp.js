import Fastify from 'fastify'
import { port, payload, payloadStream, ready } from './common.js'
const app = Fastify({ logger: false })
app.get('/files/1k.bin', (req, reply) => reply.send('ok'))
app.get('/stream', (req, reply) => reply
  .header('content-type', 'application/octet-stream')
  .header('content-disposition', 'attachment; filename="x.bin"')
  .header('accept-ranges', 'none')
  .header('x-content-type-options', 'nosniff')
  .header('cache-control', 'public, max-age=0')
  .header('content-length', payload.length)
  .send(payloadStream()))
app.get('/stream2', (req, reply) => reply.code(200).headers({
  'content-type': 'application/octet-stream',
  'content-disposition': 'attachment; filename="x.bin"',
  'accept-ranges': 'none',
  'x-content-type-options': 'nosniff',
  'cache-control': 'public, max-age=0',
  'content-length': payload.length }).send(payloadStream()))
await app.listen({ port, host: '127.0.0.1' })
ready('tmp')
