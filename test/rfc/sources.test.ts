import t from 'tap'
import { Readable } from 'node:stream'
import { makeFixture, startApp } from '../helpers/app.js'
import { request } from '../helpers/http.js'

const fx = makeFixture()
t.teardown(fx.remove)

/** A source that sends `data` and ends after a pause, once its headers and first bytes are out. */
const slowly = (data: string): Readable => Readable.from((async function * () {
  yield Buffer.from(data)
  await new Promise((resolve) => setTimeout(resolve, 20))
})())

t.test('a stream or ranged store that ends short of its size: the client never sees a complete response', async (t) => {
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.get('/stream', (_req, reply) => reply.download(slowly('12345'), 'x.bin', { size: 10 }))
    app.get('/store', (_req, reply) => reply.download({ size: 26, etag: '"s"', open: () => slowly('abc') }, 's.bin'))
    app.get('/store-range', (_req, reply) => reply.download({ size: 26, etag: '"s"', open: () => slowly('a') }, 's.bin'))
    // Short before anything was written: known before the headers, so a clean 500 instead of a cut.
    app.get('/stream-at-once', (_req, reply) => reply.download(Readable.from([Buffer.from('12345')]), 'x.bin', { size: 10 }))
    app.get('/store-at-once', (_req, reply) => reply.download({ size: 26, etag: '"s"', open: () => Readable.from([Buffer.from('abc')]) }, 's.bin'))
  })
  t.teardown(() => app.close())
  const answer = (path: string, headers: Record<string, string> = {}): Promise<unknown> => Promise.race([
    request(base, path, { headers }).then((res) => `complete ${res.status} with ${res.body.length} bytes`, () => 'cut'),
    new Promise((resolve) => setTimeout(() => resolve('hung'), 3000))
  ])
  for (const [path, headers] of [['/stream', {}], ['/store', {}], ['/store-range', { range: 'bytes=0-9' }]] as const) {
    // Issue 3: "after headers are sent -> the connection is destroyed (the client must not think it got the whole file)"
    t.equal(await answer(path, headers), 'cut', path)
  }
  for (const path of ['/stream-at-once', '/store-at-once']) {
    const early = await request(base, path)
    t.equal(early.status, 500, path)
    t.match(JSON.parse(early.body.toString()), { code: 'FST_DOWNLOADS_LENGTH_MISMATCH' }, `${path}: in Fastify's error format`)
  }
})

t.test('HEAD and 304 never consume a stream source, and destroy it', async (t) => {
  const destroyed: string[] = []
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.get('/stream', (req, reply) => {
      const body = new Readable({ read () { this.push('data'); this.push(null) } })
      body.once('close', () => destroyed.push(req.method))
      return reply.download(body, 'x.txt', { etag: '"v1"', size: 4 })
    })
  })
  t.teardown(() => app.close())
  const head = await request(base, '/stream', { method: 'HEAD' })
  t.equal(head.status, 200)
  // RFC 9110 §9.3.2: HEAD sends the same header fields as GET (here the known size) and no content.
  t.equal(head.headers['content-length'], '4')
  t.equal(head.headers['accept-ranges'], 'none')
  t.equal(head.body.length, 0)
  const notModified = await request(base, '/stream', { headers: { 'if-none-match': '"v1"' } })
  t.equal(notModified.status, 304)
  await new Promise((resolve) => setTimeout(resolve, 100))
  // README: "A stream that is never sent (a 304 or a HEAD) is destroyed so its producer stops."
  t.same(destroyed.sort(), ['GET', 'HEAD'])
})
