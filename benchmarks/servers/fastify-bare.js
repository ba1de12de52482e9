// Contender (explanatory, only with --contenders / probe.js --contender): plain Fastify with no plugin at
// all, serving the Buffer and stream sources with the same routes as @fastify/static's rows. It tells what
// a bare route costs apart from what registering a plugin changes in the process.
import Fastify from 'fastify'
import { port, bareRoutes, ready } from './common.js'

const app = Fastify({ logger: false })

bareRoutes(app)

await app.listen({ port, host: '127.0.0.1' })
ready('fastify-bare')
