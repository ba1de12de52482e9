import t from 'tap'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import Fastify from 'fastify'
import downloads from '../../lib/index.js'
import { makeFixture, startApp } from '../helpers/app.js'
import { request } from '../helpers/http.js'

const fx = makeFixture()
t.teardown(fx.remove)

t.test('download of a text file: every representation header, and the exact bytes', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  const res = await request(base, '/files/alphabet.txt')
  t.equal(res.status, 200)
  t.same(res.body, fx.alphabet)
  t.equal(res.headers['content-type'], 'text/plain; charset=utf-8')
  t.equal(res.headers['content-length'], '26')
  t.equal(res.headers['content-disposition'], 'attachment; filename="alphabet.txt"')
  t.equal(res.headers['accept-ranges'], 'bytes')
  t.equal(res.headers['cache-control'], 'private, no-cache', 'private by default: the download may be behind an auth hook')
  t.equal(res.headers['x-content-type-options'], 'nosniff')
  t.equal(res.headers['last-modified'], fx.oldDate.toUTCString())
  t.match(res.headers.etag, /^"[^"]+"$/, 'a strong ETag')
  t.notOk(res.headers['content-security-policy'], 'no sandbox for an attachment of plain text')
  t.notOk(res.headers['transfer-encoding'], 'not chunked: the length is known')
})

t.test('media types: from the name, charset on text, octet-stream when unknown, mediaType overrides', async (t) => {
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.get('/typed', (_req, reply) => reply.download('noext', 'data.json', { mediaType: 'application/vnd.custom' }))
  })
  t.teardown(() => app.close())
  t.equal((await request(base, '/files/report.pdf')).headers['content-type'], 'application/pdf')
  t.equal((await request(base, '/files/big.bin')).headers['content-type'], 'application/octet-stream')
  t.equal((await request(base, '/files/noext')).headers['content-type'], 'application/octet-stream')
  t.equal((await request(base, '/files/page.html')).headers['content-type'], 'text/html; charset=utf-8')
  t.equal((await request(base, '/typed')).headers['content-type'], 'application/vnd.custom')
})

t.test('inline: disposition inline; active content gets a sandbox CSP unless the app set one', async (t) => {
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.get('/own-csp', (_req, reply) => {
      reply.header('content-security-policy', "default-src 'none'")
      return reply.inline('page.html')
    })
  })
  t.teardown(() => app.close())
  const pdf = await request(base, '/view/report.pdf')
  t.equal(pdf.headers['content-disposition'], 'inline; filename="report.pdf"')
  t.notOk(pdf.headers['content-security-policy'])
  for (const name of ['page.html', 'image.svg']) {
    const res = await request(base, `/view/${name}`)
    t.equal(res.headers['content-security-policy'], 'sandbox', `${name} is sandboxed`)
    t.match(res.headers['content-disposition'], /^inline;/)
  }
  t.equal((await request(base, '/own-csp')).headers['content-security-policy'], "default-src 'none'")
})

t.test('a non-ASCII file name: readable ASCII fallback plus filename* in UTF-8', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  const name = 'Résumé – 2026 ✓.pdf'
  const res = await request(base, '/files/' + encodeURIComponent(name))
  t.equal(res.status, 200)
  t.equal(res.headers['content-disposition'],
    `attachment; filename="Resume - 2026 _.pdf"; filename*=UTF-8''${encodeURIComponent(name).replace(/'/g, '%27')}`)
  t.equal(res.body.toString(), '%PDF-1.4 resume\n')
})

t.test('the filename argument: suggested name, quotes escaped, control characters never reach a header', async (t) => {
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.get('/as', (req, reply) => reply.download('alphabet.txt', (req.query as { n: string }).n))
  })
  t.teardown(() => app.close())
  const plain = await request(base, '/as?n=' + encodeURIComponent('letters.txt'))
  t.equal(plain.headers['content-disposition'], 'attachment; filename="letters.txt"')
  const quoted = await request(base, '/as?n=' + encodeURIComponent('say "hi"\\now.txt'))
  t.equal(quoted.status, 200)
  t.equal(quoted.headers['content-disposition'], 'attachment; filename="say \\"hi\\"_now.txt"')
  const injected = await request(base, '/as?n=' + encodeURIComponent('evil.txt\r\nSet-Cookie: a=b\r\n'))
  t.equal(injected.status, 200, 'no 500')
  t.notOk(injected.headers['set-cookie'], 'no header injected')
  t.equal(injected.headers['content-disposition'], 'attachment; filename="evil.txtSet-Cookie: a=b"')
  t.equal(injected.body.toString(), 'abcdefghijklmnopqrstuvwxyz')
})

t.test('HEAD: the same headers as GET and no body', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  const get = await request(base, '/files/big.bin')
  const head = await request(base, '/files/big.bin', { method: 'HEAD' })
  t.equal(head.status, 200)
  t.equal(head.body.length, 0)
  for (const name of ['content-length', 'content-type', 'etag', 'last-modified', 'content-disposition', 'accept-ranges', 'cache-control']) {
    t.equal(head.headers[name], get.headers[name], name)
  }
  t.equal(head.headers['content-length'], String(fx.big.length))
  const ranged = await request(base, '/files/big.bin', { method: 'HEAD', headers: { range: 'bytes=0-9' } })
  t.equal(ranged.status, 200, 'Range is defined for GET only (RFC 9110 section 14.2)')
})

t.test('nested paths, an empty file, and a symlink inside the root', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  const nested = await request(base, '/files/sub/deeper/nested.txt')
  t.equal(nested.status, 200)
  t.equal(nested.body.toString(), 'nested')
  t.equal(nested.headers['content-disposition'], 'attachment; filename="nested.txt"')
  const empty = await request(base, '/files/empty.txt')
  t.equal(empty.status, 200)
  t.equal(empty.headers['content-length'], '0')
  t.equal(empty.body.length, 0)
  const link = await request(base, '/files/link-in.txt')
  t.equal(link.status, 200)
  t.same(link.body, fx.alphabet)
})

t.test('caching options, per call and as registration defaults', async (t) => {
  const { app, base } = await startApp(fx.root, { maxAge: 60 }, {}, (app) => {
    app.get('/immutable', (_req, reply) => reply.download('alphabet.txt', { maxAge: 31536000, immutable: true }))
    app.get('/public', (_req, reply) => reply.download('alphabet.txt', { maxAge: 31536000, immutable: true, public: true }))
    app.get('/custom', (_req, reply) => reply.download('alphabet.txt', { cacheControl: 'private, no-store' }))
    app.get('/none', (_req, reply) => reply.download('alphabet.txt', { cacheControl: false, etag: false, lastModified: false }))
    app.get('/headers', (_req, reply) => reply.download('alphabet.txt', { headers: { 'X-Report': 'q3', 'Content-Length': '1' } }))
    app.get('/noranges', (_req, reply) => reply.download('alphabet.txt', { acceptRanges: false }))
  })
  t.teardown(() => app.close())
  t.equal((await request(base, '/files/alphabet.txt')).headers['cache-control'], 'private, max-age=60', 'registration default')
  t.equal((await request(base, '/immutable')).headers['cache-control'], 'private, max-age=31536000, immutable', 'a max-age alone does not make it public')
  t.equal((await request(base, '/public')).headers['cache-control'], 'public, max-age=31536000, immutable', 'public: true lets shared caches store it')
  t.equal((await request(base, '/custom')).headers['cache-control'], 'private, no-store')
  const none = await request(base, '/none')
  t.notOk(none.headers['cache-control'])
  t.notOk(none.headers.etag)
  t.notOk(none.headers['last-modified'])
  const headers = await request(base, '/headers')
  t.equal(headers.headers['x-report'], 'q3')
  t.equal(headers.headers['content-length'], '26', 'framing headers stay the plugin\'s')
  const noranges = await request(base, '/noranges', { headers: { range: 'bytes=0-1' } })
  t.equal(noranges.status, 200)
  t.equal(noranges.headers['accept-ranges'], 'none')
  t.equal(noranges.body.length, 26)
})

t.test('a per-call root confines the path to that folder', async (t) => {
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.get('/other/:name', (req, reply) => reply.download((req.params as { name: string }).name, { root: join(fx.dir, 'files2') }))
  })
  t.teardown(() => app.close())
  const res = await request(base, '/other/sibling.txt')
  t.equal(res.status, 200)
  t.equal(res.body.toString(), 'SIBLING SECRET')
  t.equal((await request(base, '/other/..%2Foutside.txt')).status, 403)
  t.equal((await request(base, '/other/alphabet.txt')).status, 404, 'not the default root')
})

t.test('one name under two roots, asked in turn: each root serves its own file, cached or not', async (t) => {
  const { mkdirSync, writeFileSync } = await import('node:fs')
  const a = join(fx.dir, 'root-a')
  const b = join(fx.dir, 'root-b')
  mkdirSync(a)
  mkdirSync(b)
  writeFileSync(join(a, 'same.txt'), 'from A')
  writeFileSync(join(b, 'same.txt'), 'from B, longer')
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.get('/a/:name', (req, reply) => reply.download((req.params as { name: string }).name, { root: a }))
    app.get('/b/:name', (req, reply) => reply.download((req.params as { name: string }).name, { root: b }))
  })
  t.teardown(() => app.close())
  for (let i = 0; i < 3; i++) {
    t.equal((await request(base, '/a/same.txt')).body.toString(), 'from A')
    t.equal((await request(base, '/b/same.txt')).body.toString(), 'from B, longer')
  }
  t.equal((await request(base, '/files/same.txt')).status, 404, 'nor under the registered root')
})

t.test('registration: root as a file: URL or a relative path; missing or bad roots fail clearly', async (t) => {
  const byUrl = Fastify()
  await byUrl.register(downloads, { root: pathToFileURL(fx.root) })
  byUrl.get('/a', (_req, reply) => reply.download('alphabet.txt'))
  t.equal((await byUrl.inject('/a')).body, 'abcdefghijklmnopqrstuvwxyz')
  await byUrl.close()

  const cwd = process.cwd()
  process.chdir(fx.dir)
  t.teardown(() => process.chdir(cwd))
  const relative = Fastify()
  await relative.register(downloads, { root: './files' })
  relative.get('/a', (_req, reply) => reply.download('alphabet.txt'))
  t.equal((await relative.inject('/a')).statusCode, 200)
  await relative.close()

  for (const [label, options, code] of [
    ['no root', {}, 'FST_DOWNLOADS_INVALID_ROOT'],
    ['missing directory', { root: join(fx.dir, 'nope') }, 'FST_DOWNLOADS_INVALID_ROOT'],
    ['a file', { root: join(fx.root, 'alphabet.txt') }, 'FST_DOWNLOADS_INVALID_ROOT'],
    ['bad dotfiles', { root: fx.root, dotfiles: 'maybe' }, 'FST_DOWNLOADS_INVALID_OPTION'],
    ['bad maxAge', { root: fx.root, maxAge: -1 }, 'FST_DOWNLOADS_INVALID_OPTION']
  ] as const) {
    const app = Fastify()
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await t.rejects(async () => { await app.register(downloads, options as any) }, { code }, label)
  }
})

t.test('both methods return the reply, so async handlers can return them', async (t) => {
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.get('/async', async (_req, reply) => {
      const returned = reply.download('alphabet.txt')
      t.equal(returned, reply)
      return returned
    })
  })
  t.teardown(() => app.close())
  const res = await request(base, '/async')
  t.equal(res.status, 200)
  t.same(res.body, fx.alphabet)
})

t.test('errors go through the app\'s error handler, which can override them', async (t) => {
  const { errorCodes } = await import('../../lib/index.js')
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.setErrorHandler((err, _req, reply) => {
      if (err instanceof errorCodes.FST_DOWNLOADS_NOT_FOUND) return reply.code(404).send({ custom: 'no such report' })
      return reply.send(err)
    })
  })
  t.teardown(() => app.close())
  const missing = await request(base, '/files/nope.txt')
  t.equal(missing.status, 404)
  t.same(JSON.parse(missing.body.toString()), { custom: 'no such report' })
  const forbidden = await request(base, '/files/..%2Foutside.txt')
  t.equal(JSON.parse(forbidden.body.toString()).code, 'FST_DOWNLOADS_PATH_FORBIDDEN', 'others pass through')
})

t.test('an unexpected file system error is a 500 that does not leak the path', async (t) => {
  const { fsError } = await import('../../lib/errors.js')
  const cause = Object.assign(new Error(`EIO: i/o error, open '${fx.root}/x'`), { code: 'EIO' })
  const err = fsError(cause) as Error & { code: string, statusCode: number }
  t.equal(err.code, 'FST_DOWNLOADS_SOURCE_FAILED')
  t.equal(err.statusCode, 500)
  t.notOk(err.message.includes(fx.root))
  t.equal(err.cause, cause)
  t.equal((fsError(Object.assign(new Error('x'), { code: 'EACCES' })) as Error & { statusCode: number }).statusCode, 403)
  t.equal((fsError(Object.assign(new Error('x'), { code: 'ENOENT' })) as Error & { statusCode: number }).statusCode, 404)
})
