// Contender (explanatory, not a peer): the least a validated memory
// cache can cost per request on Fastify. One synchronous bigint stat checks identity, the bytes come from
// memory, the headers are the ones fastify-downloads sends, and there is no plugin code at all: no path
// confinement, no preconditions beyond If-None-Match, no ranges, no lifecycle tracking. Beside
// fastify-downloads, the gap between the two rows is what the plugin's own code costs; the gap to nginx
// is Fastify itself plus the one stat the never-stale requirement asks for.
import Fastify from 'fastify'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { filesDir, port, smallPayload, payload, ready } from './common.js'

const files = new Map()

/** The file as it is now: a stat per request, a re-read when its identity moved (small files only). */
function current (name) {
  const path = join(filesDir, name)
  const st = statSync(path, { bigint: true, throwIfNoEntry: false })
  if (st === undefined || !st.isFile() || st.size > 1024n * 1024n) return undefined
  let f = files.get(name)
  if (f === undefined || f.ino !== st.ino || f.dev !== st.dev || f.size !== st.size || f.mtimeNs !== st.mtimeNs || f.ctimeNs !== st.ctimeNs) {
    const etag = `"${st.ino.toString(36)}-${st.size.toString(36)}-${st.mtimeNs.toString(36)}"`
    const lastModified = new Date(Number(st.mtimeMs)).toUTCString()
    f = {
      dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs,
      data: readFileSync(path),
      etag,
      notModified: { etag, 'last-modified': lastModified, 'cache-control': 'public, max-age=0' },
      headers: {
        'content-type': 'application/octet-stream',
        'content-disposition': `attachment; filename="${name}"`,
        'accept-ranges': 'bytes',
        'x-content-type-options': 'nosniff',
        etag,
        'last-modified': lastModified,
        'cache-control': 'public, max-age=0',
        'content-length': Number(st.size)
      }
    }
    files.set(name, f)
  }
  return f
}

const bufferHeaders = (n) => ({
  'content-type': 'application/octet-stream',
  'content-disposition': 'attachment; filename="x.bin"',
  'accept-ranges': 'bytes',
  'x-content-type-options': 'nosniff',
  etag: '"a-fixed-content-hash-of-27c"',
  'content-length': n
})
const small = bufferHeaders(smallPayload.length)
const large = bufferHeaders(payload.length)

// CEILING_WITH_DOWNLOADS=1 (the fastify-ceiling-with-downloads contender) registers fastify-downloads, unused
// by these routes, loaded before the app is made as servers/fastify-downloads.js does.
const downloads = process.env.CEILING_WITH_DOWNLOADS === '1' ? (await import('../../dist/lib/index.js')).default : null
const app = Fastify({ logger: false })
if (downloads !== null) await app.register(downloads, { root: filesDir })
app.get('/files/:name', (req, reply) => {
  const f = current(req.params.name)
  if (f === undefined) return reply.code(404).send()
  if (req.headers['if-none-match'] === f.etag) return reply.code(304).headers(f.notModified).send()
  return reply.headers(f.headers).send(f.data)
})
app.get('/buf', (req, reply) => reply.headers(large).send(payload))
app.get('/buf1k', (req, reply) => reply.headers(small).send(smallPayload))

await app.listen({ port, host: '127.0.0.1' })
ready('fastify-ceiling')
