// A client that leaves before download() is called (the handler still working, over HTTP/1.1 and HTTP/2) or while a ranged
// source is opening: cleanup once, deleteAfter still deletes, no descriptor left open.
import t from 'tap'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect } from 'node:http2'
import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify from 'fastify'
import downloads, { type DownloadOutcome } from '../../lib/index.js'
import { makeFixture, startApp } from '../helpers/app.js'
import { request } from '../helpers/http.js'
import { abortAfterMs, openDescriptors, waitFor } from '../helpers/lifecycle.js'

const fx = makeFixture()
t.teardown(fx.remove)
// Over the default 1 MiB small-file cache, so it is served from an open descriptor.
writeFileSync(join(fx.root, 'large.bin'), Buffer.alloc(3 * 1024 * 1024, 7))

t.test('a client that leaves while the handler is still working: cleanup runs once and deleteAfter deletes', async (t) => {
  const outcomes: DownloadOutcome[] = []
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    // The temp-file case of issue 3: render (slow), then download with deleteAfter.
    app.get('/report/:name', async (req, reply) => {
      await sleep(300)
      return reply.download((req.params as { name: string }).name, 'report.csv', { deleteAfter: true, cleanup: (o) => { outcomes.push(o) } })
    })
  })
  t.teardown(() => app.close())
  writeFileSync(join(fx.root, 'report-1.csv'), 'a,b\n1,2\n')
  await abortAfterMs(base, '/report/report-1.csv', 100)
  // Issue 3: "cleanup ... runs exactly once after the response finished, failed, or the client aborted"
  t.ok(await waitFor(() => outcomes.length === 1, 5000), `cleanup ran once (ran ${outcomes.length} times)`)
  if (outcomes[0] !== undefined) t.equal(outcomes[0].aborted, true, 'outcome says aborted')
  // Issue 3: "deleteAfter: true ... removes the served file exactly once after the response, also on abort and error"
  t.ok(await waitFor(() => !existsSync(join(fx.root, 'report-1.csv'))), 'the temp file was deleted')
})

t.test('no descriptor is left open when the client left before download() was called', { skip: process.platform !== 'linux' && 'needs /proc' }, async (t) => {
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.get('/late/:name', async (req, reply) => {
      await sleep(300)
      return reply.download((req.params as { name: string }).name)
    })
  })
  t.teardown(() => app.close())
  const { headers } = await request(base, '/files/large.bin', { method: 'HEAD' })
  // The HEAD's descriptor is closed after its response is out (asynchronously): wait for it.
  t.ok(await waitFor(() => openDescriptors('large.bin') === 0, 5000), 'baseline')
  // Issue 3: "No file-descriptor leaks: many downloads, half of them aborted by the client midway, leave the process's open descriptors back at the baseline"
  const cases: Array<[string, Record<string, string>]> = [
    ['200', {}],
    ['304', { 'if-none-match': headers.etag! }],
    ['412', { 'if-match': '"other"' }],
    ['416', { range: 'bytes=99999999-' }],
    ['multipart 206', { range: 'bytes=0-9,1000-1999' }],
    ['single 206', { range: 'bytes=0-9' }]
  ]
  for (const [label, h] of cases) {
    const before = openDescriptors('large.bin')
    await abortAfterMs(base, '/late/large.bin', 100, h)
    await sleep(400)
    t.ok(await waitFor(() => openDescriptors('large.bin') === before, 5000), `${label}: descriptors back at ${before} (open: ${openDescriptors('large.bin')})`)
  }
})

t.test('HTTP/2: a stream reset while the handler works still ends the download once', async (t) => {
  const outcomes: DownloadOutcome[] = []
  const app = Fastify({ http2: true })
  await app.register(downloads, { root: fx.root, cleanup: (o) => { outcomes.push(o) } })
  app.get('/late/:name', async (req, reply) => {
    await sleep(300)
    return reply.download((req.params as { name: string }).name)
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const { port } = app.server.address() as { port: number }
  const session = connect(`http://127.0.0.1:${port}`)
  t.teardown(() => session.close())
  const stream = session.request({ ':path': '/late/alphabet.txt' })
  stream.on('error', () => {})
  setTimeout(() => stream.close(0x8), 100)
  // Issue 3: "Wire this to the reply's lifecycle (onResponse, onRequestAbort and the raw response's close), once per reply."
  t.ok(await waitFor(() => outcomes.length === 1, 5000), `cleanup ran once (ran ${outcomes.length} times)`)
})

t.test('a client that leaves while a ranged source is opening: cleanup once, the source stream destroyed', async (t) => {
  const outcomes: DownloadOutcome[] = []
  let destroyed = false
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.get('/store', (_req, reply) => reply.download({
      size: 26,
      etag: '"s"',
      open: async () => {
        await sleep(300)
        const body = Readable.from([fx.alphabet])
        body.once('close', () => { destroyed = true })
        return body
      }
    }, 'store.txt', { cleanup: (o) => { outcomes.push(o) } }))
  })
  t.teardown(() => app.close())
  await abortAfterMs(base, '/store', 100)
  t.ok(await waitFor(() => outcomes.length === 1, 5000), 'cleanup ran once')
  // README: "A stream that is never sent (a 304 or a HEAD) is destroyed so its producer stops."
  t.ok(await waitFor(() => destroyed, 5000), 'the opened stream was destroyed')
  await sleep(200)
  t.equal(outcomes.length, 1, 'and only once')
})
