// Contender (explanatory, only with --contenders / probe.js --contender): plain Fastify with no plugin at
// all, sending the same Buffer and stream sources as @fastify/static's rows do (the same route code). It
// separates what a route costs from what registering @fastify/static or fastify-downloads changes in the
// process (the same bare route has run in two modes depending on the server around it).
import Fastify from 'fastify'
import { port, payload, smallPayload, payloadStream, ready } from './common.js'

const app = Fastify({ logger: false })

app.get('/buf', (req, reply) => reply
  .header('content-disposition', 'attachment; filename="x.bin"')
  .type('application/octet-stream')
  .send(payload))
app.get('/buf1k', (req, reply) => reply
  .header('content-disposition', 'attachment; filename="x.bin"')
  .type('application/octet-stream')
  .send(smallPayload))
app.get('/stream', (req, reply) => reply
  .header('content-disposition', 'attachment; filename="x.bin"')
  .header('content-length', payload.length)
  .type('application/octet-stream')
  .send(payloadStream()))

await app.listen({ port, host: '127.0.0.1' })
ready('fastify-bare')
