// Contender (explanatory, only with --contenders, and in instructions.js): plain Fastify with no plugin at
// all, serving the Buffer and stream sources with the same routes as @fastify/static's rows. It tells what
// a bare route costs apart from what registering a plugin changes in the process.
// BARE_WITH_DOWNLOADS=1 registers fastify-downloads (unused by the routes): the same bare routes in a
// process that loaded the library, which is how a route of an app using the plugin runs.
import Fastify from 'fastify'
import { filesDir, port, bareRoutes, ready } from './common.js'

// Loaded before the app is made, as servers/fastify-downloads.js does.
const downloads = process.env.BARE_WITH_DOWNLOADS === '1' ? (await import('../../dist/lib/index.js')).default : null
const app = Fastify({ logger: false })
if (downloads !== null) await app.register(downloads, { root: filesDir })

bareRoutes(app)

await app.listen({ port, host: '127.0.0.1' })
ready('fastify-bare')
