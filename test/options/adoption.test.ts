// What a new user meets first: next to @fastify/static, a temp file outside the root, the caching default,
// readable validation messages, long names and the router's limit.
import t from 'tap'
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import fastifyStatic from '@fastify/static'
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import downloads, { FileNameSchema, FilePathSchema, trustedFile } from '../../lib/index.js'
import { makeFixture } from '../helpers/app.js'
import { logCapture } from '../helpers/logs.js'

const fx = makeFixture()
t.teardown(fx.remove)

t.test('with @fastify/static, in either order, keeping reply.sendFile', async (t) => {
  for (const order of ['static first', 'downloads first']) {
    const app = Fastify()
    const statik = (): unknown => app.register(fastifyStatic, { root: fx.root, prefix: '/public/' })
    const ours = (): unknown => app.register(downloads, { root: fx.root, decorators: { download: 'sendDownload', inline: 'sendInline' } })
    if (order === 'static first') { statik(); ours() } else { ours(); statik() }
    app.get('/dl/:name', (req, reply) => (reply as unknown as { sendDownload: (n: string) => unknown }).sendDownload((req.params as { name: string }).name))
    app.get('/sf', (_req, reply) => reply.sendFile('alphabet.txt'))
    await app.ready()
    const ranged = await app.inject({ url: '/dl/alphabet.txt', headers: { range: 'bytes=0-2' } })
    t.equal(ranged.statusCode, 206, `${order}: our download, renamed`)
    t.equal(ranged.body, 'abc')
    t.equal(ranged.headers['content-disposition'], 'attachment; filename="alphabet.txt"')
    t.equal((await app.inject('/sf')).body, fx.alphabet.toString(), `${order}: static's sendFile`)
    t.equal((await app.inject('/public/alphabet.txt')).statusCode, 200, `${order}: static's own routes`)
    await app.close()
  }
})

t.test('registered after @fastify/static without new names: an error that names both and the fix', async (t) => {
  const app = Fastify()
  app.register(fastifyStatic, { root: fx.root })
  app.register(downloads, { root: fx.root })
  const err = await app.ready().then(() => undefined, (e: Error & { code?: string }) => e)
  t.equal(err?.code, 'FST_DOWNLOADS_DECORATOR_TAKEN')
  t.match(err?.message, /reply\.download is already decorated by @fastify\/static/)
  t.match(err?.message, /decorators: \{ download: 'sendDownload'/)
  await app.close()
})

t.test('decorator names are validated at registration', async (t) => {
  for (const decorators of [{ download: 'x', inline: 'x' }, { download: 'not a name' }, { download: '' }]) {
    const app = Fastify()
    app.register(downloads, { root: fx.root, decorators })
    const err = await app.ready().then(() => undefined, (e: Error & { code?: string }) => e)
    t.equal(err?.code, 'FST_DOWNLOADS_INVALID_OPTION', JSON.stringify(decorators))
    await app.close()
  }
})

t.test('a temp file outside the root: trustedFile() serves it with ranges and deletes it; a bare absolute path is refused and kept', async (t) => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'fdl-trusted-')))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const logs = logCapture()
  const app = Fastify({ logger: { level: 'info', stream: logs.stream } })
  await app.register(downloads, { root: fx.root })
  app.get('/trusted/:name', (req, reply) => reply.download(trustedFile(join(dir, (req.params as { name: string }).name)), 'report.csv', { deleteAfter: true }))
  app.get('/bare/:name', (req, reply) => reply.download(join(dir, (req.params as { name: string }).name), { deleteAfter: true }))
  t.teardown(() => app.close())

  writeFileSync(join(dir, 'a.csv'), 'id,total\n1,42\n')
  const refused = await app.inject('/bare/a.csv')
  t.equal(refused.statusCode, 403)
  t.equal(JSON.parse(refused.body).code, 'FST_DOWNLOADS_PATH_FORBIDDEN')
  t.notMatch(refused.body, /trustedFile/, 'the hint is for the log, not the client')
  const line = logs.lines.find((l) => l.err !== undefined && (l.err as { code?: string }).code === 'FST_DOWNLOADS_PATH_FORBIDDEN')
  t.match((line?.err as { hint?: string } | undefined)?.hint, /pass trustedFile\(path\)/, 'the 403 log line says how to serve it')
  await new Promise((resolve) => setTimeout(resolve, 30))
  t.ok(existsSync(join(dir, 'a.csv')), 'a refused path is never deleted')

  const part = await app.inject({ url: '/trusted/a.csv', headers: { range: 'bytes=0-1' } })
  t.equal(part.statusCode, 206)
  t.equal(part.body, 'id')
  t.equal(part.headers['content-disposition'], 'attachment; filename="report.csv"')
  for (let i = 0; i < 50 && existsSync(join(dir, 'a.csv')); i++) await new Promise((resolve) => setTimeout(resolve, 10))
  t.notOk(existsSync(join(dir, 'a.csv')), 'deleted after sending')
  t.equal((await app.inject('/trusted/missing.csv')).statusCode, 404)
  t.throws(() => trustedFile('relative/path.csv'), { code: 'FST_DOWNLOADS_INVALID_SOURCE' }, 'only absolute paths')
})

t.test('a bad file name param: a 400 that says what a valid name is, no regular expression', async (t) => {
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>()
  await app.register(downloads, { root: fx.root })
  app.get('/named/:name', { schema: { params: Type.Object({ name: FileNameSchema }) } }, (req, reply) => reply.download(req.params.name))
  app.get('/path/*', { schema: { params: Type.Object({ '*': FilePathSchema }) } }, (req, reply) => reply.download(req.params['*']))
  app.get('/q', { schema: { querystring: Type.Object({ name: FileNameSchema, n: Type.Integer() }) } }, (req, reply) => reply.download(req.query.name))
  t.teardown(() => app.close())
  const bad = await app.inject('/named/a%5Cb')
  t.equal(bad.statusCode, 400)
  const body = JSON.parse(bad.body)
  t.match(body, { statusCode: 400, code: 'FST_ERR_VALIDATION', error: 'Bad Request' })
  t.equal(body.message, 'params/name must be a file name: no / or \\, no control characters, not . or ..')
  const path = JSON.parse((await app.inject('/path/a//b')).body)
  t.match(path.message, /^params\/\* must be a relative path of file names joined by \//)
  const other = JSON.parse((await app.inject('/q?name=x&n=y')).body)
  t.equal(other.message, 'querystring/n must be integer', 'other keywords keep Fastify\'s own message')
  t.equal((await app.inject('/named/alphabet.txt')).statusCode, 200)
})

t.test('long names: routerOptions.maxParamLength lets 255 characters through; a shorter limit is logged at start-up', async (t) => {
  const long = 'n'.repeat(251) + '.txt'
  writeFileSync(join(fx.root, long), 'long')
  for (const maxParamLength of [100, 255]) {
    const logs = logCapture()
    const app = Fastify({ routerOptions: { maxParamLength }, logger: { level: 'warn', stream: logs.stream } }).withTypeProvider<TypeBoxTypeProvider>()
    await app.register(downloads, { root: fx.root })
    app.get('/named/:name', { schema: { params: Type.Object({ name: FileNameSchema }) } }, (req, reply) => reply.download(req.params.name))
    await app.ready()
    const res = await app.inject(`/named/${long}`)
    const warned = logs.lines.filter((l) => /routerOptions: \{ maxParamLength: 255 \}/.test(l.msg)).length === 1
    if (maxParamLength === 100) {
      t.equal(res.statusCode, 414, 'the router cuts it')
      t.ok(warned, 'and the route was logged at start-up, once')
    } else {
      t.equal(res.statusCode, 200, 'served')
      t.equal(res.body, 'long')
      t.notOk(warned, 'no warning')
    }
    await app.close()
  }
})

t.test('Cache-Control is private by default, behind an auth hook too; 304 still works', async (t) => {
  const app = Fastify()
  await app.register(downloads, { root: fx.root })
  app.register(async (scope) => {
    scope.addHook('onRequest', async (req, reply) => {
      if (req.headers.authorization !== 'Bearer s3cret') return reply.code(401).send({ error: 'Unauthorized' })
    })
    scope.get('/private/:name', (req, reply) => reply.download((req.params as { name: string }).name))
  })
  t.teardown(() => app.close())
  t.equal((await app.inject('/private/alphabet.txt')).statusCode, 401)
  const ok = await app.inject({ url: '/private/alphabet.txt', headers: { authorization: 'Bearer s3cret' } })
  t.equal(ok.statusCode, 200)
  t.equal(ok.headers['cache-control'], 'private, no-cache')
  const again = await app.inject({ url: '/private/alphabet.txt', headers: { authorization: 'Bearer s3cret', 'if-none-match': String(ok.headers.etag) } })
  t.equal(again.statusCode, 304)
  t.equal(again.headers['cache-control'], 'private, no-cache')
})

t.test('deleteAfter on anything but a file is a programming error, also on something that is no source', async (t) => {
  const app = Fastify()
  await app.register(downloads, { root: fx.root })
  app.get('/buffer', (_req, reply) => reply.download(Buffer.from('x'), { deleteAfter: true }))
  app.get('/number', (_req, reply) => reply.download(42 as unknown as string, { deleteAfter: true }))
  app.get('/number-alone', (_req, reply) => reply.download(42 as unknown as string))
  t.teardown(() => app.close())
  for (const path of ['/buffer', '/number']) {
    const res = await app.inject(path)
    t.equal(res.statusCode, 500, path)
    t.equal(JSON.parse(res.body).code, 'FST_DOWNLOADS_INVALID_OPTION', `${path}: the option is what is wrong`)
  }
  t.equal(JSON.parse((await app.inject('/number-alone')).body).code, 'FST_DOWNLOADS_INVALID_SOURCE')
})
