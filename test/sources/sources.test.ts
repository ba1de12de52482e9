import t, { type Test } from 'tap'
import { Readable } from 'node:stream'
import { ReadableStream } from 'node:stream/web'
import type { FastifyInstance } from 'fastify'
import type { RangedSource } from '../../lib/index.js'
import { makeFixture, startApp } from '../helpers/app.js'
import { parseMultipart, request } from '../helpers/http.js'

const fx = makeFixture()
t.teardown(fx.remove)
const data = Buffer.from('0123456789'.repeat(10000))

/** A ranged store over a buffer that records the ranges it was asked for. */
function store (bytes: Buffer, opened: Array<{ start: number, end: number } | undefined>): RangedSource {
  return {
    size: bytes.length,
    etag: 'v1-store',
    lastModified: new Date('2024-05-06T07:08:09Z'),
    open: async (range) => {
      opened.push(range)
      return Readable.from([range === undefined ? bytes : bytes.subarray(range.start, range.end + 1)])
    }
  }
}

async function withApp (t: Test, routes: (app: FastifyInstance) => void): Promise<string> {
  const { app, base } = await startApp(fx.root, {}, {}, routes)
  t.teardown(() => app.close())
  return base
}

/** A source that sends `data` and ends after a pause, once its headers and first bytes are out. */
const slowly = (data: string): Readable => Readable.from((async function * () {
  yield Buffer.from(data)
  await new Promise((resolve) => setTimeout(resolve, 20))
})())

t.test('Buffer and Uint8Array: length, strong content ETag, ranges, multipart and 304', async (t) => {
  const base = await withApp(t, (app) => {
    app.get('/buf', (_req, reply) => reply.download(data, 'digits.txt'))
    app.get('/u8', (_req, reply) => reply.inline(new Uint8Array(data), 'digits.txt'))
    app.get('/tagged', (_req, reply) => reply.download(data, 'digits.txt', { etag: 'release-7' }))
    app.get('/nameless', (_req, reply) => reply.download(Buffer.from('x')))
  })
  const whole = await request(base, '/buf')
  t.equal(whole.status, 200)
  t.same(whole.body, data)
  t.equal(whole.headers['content-length'], String(data.length))
  t.equal(whole.headers['accept-ranges'], 'bytes')
  t.equal(whole.headers['content-type'], 'text/plain; charset=utf-8')
  t.match(whole.headers.etag, /^"[A-Za-z0-9_-]{27}"$/, 'a strong ETag from a hash of the content')
  const u8 = await request(base, '/u8')
  t.equal(u8.headers.etag, whole.headers.etag, 'the same content, the same tag')
  t.equal(u8.headers['content-disposition'], 'inline; filename="digits.txt"')
  t.same(u8.body, data)
  t.equal((await request(base, '/tagged')).headers.etag, '"release-7"', 'a caller tag is used as given')

  const part = await request(base, '/buf', { headers: { range: 'bytes=-5' } })
  t.equal(part.status, 206)
  t.equal(part.headers['content-range'], `bytes ${data.length - 5}-${data.length - 1}/${data.length}`)
  t.same(part.body, data.subarray(data.length - 5))
  const multi = await request(base, '/buf', { headers: { range: 'bytes=0-2,50000-50002' } })
  t.equal(multi.status, 206)
  const boundary = /boundary=(\S+)/.exec(multi.headers['content-type']!)![1]!
  t.same(parseMultipart(multi.body, boundary).map((p) => p.body.toString()), ['012', '012'])
  t.equal((await request(base, '/buf', { headers: { 'if-none-match': whole.headers.etag! } })).status, 304)

  const nameless = await request(base, '/nameless')
  t.equal(nameless.headers['content-disposition'], 'attachment; filename="download"')
  t.equal(nameless.headers['content-type'], 'application/octet-stream')
})

t.test('the hash of a buffer is computed once per buffer object', async (t) => {
  let hashes = 0
  const crypto = await import('node:crypto')
  const { contentETag } = await t.mockImport<typeof import('../../lib/sources/buffer.js')>('../../lib/sources/buffer.js', {
    'node:crypto': { ...crypto, createHash: (algorithm: string) => { hashes++; return crypto.createHash(algorithm) } }
  })
  const buffer = Buffer.from('same object')
  const first = contentETag(buffer)
  t.equal(contentETag(buffer), first)
  t.equal(hashes, 1)
  contentETag(Buffer.from('same object'))
  t.equal(hashes, 2, 'another object is hashed')
})

t.test('streams: Readable, async generator, web ReadableStream; chunked, no ranges', async (t) => {
  const base = await withApp(t, (app) => {
    app.get('/readable', (_req, reply) => reply.download(Readable.from(['a,b\n', '1,2\n']), 'export.csv'))
    app.get('/generator', (_req, reply) => reply.download((async function * () {
      yield 'id,name\n'
      yield new TextEncoder().encode('1,Zoë\n')
    })(), 'export.csv'))
    app.get('/web', (_req, reply) => reply.download(new ReadableStream<Uint8Array>({
      start (controller) {
        controller.enqueue(new TextEncoder().encode('web '))
        controller.enqueue(new TextEncoder().encode('stream'))
        controller.close()
      }
    }), 'web.txt'))
    app.get('/sized', (_req, reply) => reply.download(Readable.from([Buffer.from('12345')]), 'five.bin', { size: 5 }))
  })
  const readable = await request(base, '/readable', { headers: { range: 'bytes=0-1' } })
  t.equal(readable.status, 200, 'a Range on a stream is answered whole')
  t.equal(readable.body.toString(), 'a,b\n1,2\n')
  t.equal(readable.headers['accept-ranges'], 'none')
  t.equal(readable.headers['transfer-encoding'], 'chunked')
  t.notOk(readable.headers['content-length'])
  t.equal(readable.headers['content-type'], 'text/csv; charset=utf-8')
  t.equal(readable.headers['content-disposition'], 'attachment; filename="export.csv"')
  t.equal((await request(base, '/generator')).body.toString(), 'id,name\n1,Zoë\n')
  t.equal((await request(base, '/web')).body.toString(), 'web stream')
  const sized = await request(base, '/sized')
  t.equal(sized.headers['content-length'], '5')
  t.notOk(sized.headers['transfer-encoding'])
  t.equal(sized.body.toString(), '12345')
})

t.test('a source that fails before its first byte: a clean 500 in Fastify error format', async (t) => {
  const base = await withApp(t, (app) => {
    app.get('/gen', (_req, reply) => reply.download((async function * () { throw new Error('db down') })(), 'x.csv'))
    app.get('/readable', (_req, reply) => reply.download(new Readable({ read () { this.destroy(new Error('gone')) } }), 'x.csv'))
    app.get('/ranged', (_req, reply) => reply.download({ size: 10, open: async () => { throw new Error('bucket missing') } }, 'x.bin'))
    app.get('/destroyed', (_req, reply) => {
      // An upstream that aborts before its first byte destroys the stream with no error.
      const upstream = new Readable({ read () {} })
      setTimeout(() => upstream.destroy(), 5)
      return reply.download(upstream, 'x.csv')
    })
  })
  for (const path of ['/gen', '/readable', '/ranged', '/destroyed']) {
    const res = await request(base, path)
    t.equal(res.status, 500, path)
    const body = JSON.parse(res.body.toString())
    t.equal(body.code, 'FST_DOWNLOADS_SOURCE_FAILED', path)
    t.notOk(res.headers['content-disposition'], `${path}: the error is not offered as a download`)
  }
})

t.test('a ranged source gets the full Range, multipart and conditional behaviour', async (t) => {
  const opened: Array<{ start: number, end: number } | undefined> = []
  const base = await withApp(t, (app) => {
    app.get('/store', (_req, reply) => reply.download(store(data, opened), 'object.txt'))
  })
  const whole = await request(base, '/store')
  t.equal(whole.status, 200)
  t.same(whole.body, data)
  t.equal(whole.headers.etag, '"v1-store"')
  t.equal(whole.headers['last-modified'], 'Mon, 06 May 2024 07:08:09 GMT')
  t.equal(whole.headers['content-length'], String(data.length))
  const part = await request(base, '/store', { headers: { range: 'bytes=100-199' } })
  t.equal(part.status, 206)
  t.same(part.body, data.subarray(100, 200))
  const multi = await request(base, '/store', { headers: { range: 'bytes=0-0,-1' } })
  t.equal(multi.status, 206)
  const boundary = /boundary=(\S+)/.exec(multi.headers['content-type']!)![1]!
  t.same(parseMultipart(multi.body, boundary).map((p) => p.body.toString()), ['0', '9'])
  t.same(opened, [undefined, { start: 100, end: 199 }, { start: 0, end: 0 }, { start: data.length - 1, end: data.length - 1 }])
  t.equal((await request(base, '/store', { headers: { 'if-none-match': '"v1-store"' } })).status, 304)
  t.equal((await request(base, '/store', { headers: { 'if-match': '"v2"' } })).status, 412)
  t.equal((await request(base, '/store', { headers: { range: 'bytes=0-1', 'if-range': '"v1-store"' } })).status, 206)
  t.equal(opened.length, 5, 'no open for 304 or 412')
})

t.test('a source that is not one is a programming error, reported as a 500', async (t) => {
  const base = await withApp(t, (app) => {
    app.get('/bad', (_req, reply) => reply.download(42 as unknown as string))
    app.get('/bad-option', (_req, reply) => reply.download(data, { deleteAfter: true }))
  })
  const bad = await request(base, '/bad')
  t.equal(bad.status, 500)
  t.equal(JSON.parse(bad.body.toString()).code, 'FST_DOWNLOADS_INVALID_SOURCE')
  t.equal(JSON.parse((await request(base, '/bad-option')).body.toString()).code, 'FST_DOWNLOADS_INVALID_OPTION')
})

t.test('a stream longer than its size option is cut at the error, never over-sent on a keep-alive connection', async (t) => {
  const outcomes: Array<{ error?: Error }> = []
  const base = await withApp(t, (app) => {
    app.get('/long', (_req, reply) => reply.download(Readable.from((async function * () {
      yield Buffer.from('12345')
      await new Promise((resolve) => setTimeout(resolve, 30))
      yield Buffer.from('67890')
    })()), 'x.bin', {
      size: 5, cleanup: (o) => { outcomes.push(o) }
    }))
  })
  const { request: httpRequest } = await import('node:http')
  const result = await new Promise<{ bytes: number, error: string | undefined }>((resolve) => {
    const req = httpRequest(base + '/long', (res) => {
      let bytes = 0
      res.on('data', (c: Buffer) => { bytes += c.length })
      res.on('end', () => resolve({ bytes, error: undefined }))
      res.on('error', (err) => resolve({ bytes, error: err.message }))
    })
    req.on('error', (err) => resolve({ bytes: -1, error: err.message }))
    req.end()
  })
  t.equal(result.bytes, 5, 'the client got the announced 5 bytes and not one more')
  for (let i = 0; i < 50 && outcomes.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  t.match(outcomes[0]?.error, { code: 'FST_DOWNLOADS_LENGTH_MISMATCH', message: /sent more bytes than the 5 announced/ })
})

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
