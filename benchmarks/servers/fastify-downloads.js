// Contender: this library, fastify-downloads (reply.download), as built into ../dist.
// DOWNLOADS_CACHE=off turns the small-file memory cache off (cacheMaxFileSize: 0), to show what it gains.
// DOWNLOADS_ENTRY loads another build of the library instead (run.js --previous: an earlier commit).
import Fastify from 'fastify'
import { pathToFileURL } from 'node:url'
import { filesDir, port, payload, smallPayload, payloadStream, cleanup, ready } from './common.js'

const entry = process.env.DOWNLOADS_ENTRY ? pathToFileURL(process.env.DOWNLOADS_ENTRY).href : '../../dist/lib/index.js'
const { default: downloads } = await import(entry)

const app = Fastify({ logger: false })
const cacheOff = process.env.DOWNLOADS_CACHE === 'off'
await app.register(downloads, { root: filesDir, ...(cacheOff ? { cacheMaxFileSize: 0 } : {}) })

app.get('/files/:name', (req, reply) => reply.download(req.params.name))
app.get('/buf', (req, reply) => reply.download(payload, 'x.bin'))
app.get('/buf1k', (req, reply) => reply.download(smallPayload, 'x.bin'))
app.get('/stream', (req, reply) => reply.download(payloadStream(), 'x.bin', { size: payload.length }))
app.get('/cleanup/:name', (req, reply) => reply.download(req.params.name, { cleanup }))

await app.listen({ port, host: '127.0.0.1' })
ready(cacheOff ? 'fastify-downloads-nocache' : 'fastify-downloads')
