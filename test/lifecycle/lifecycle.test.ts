import t from 'tap'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { existsSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import type { DownloadOutcome, OutcomeMessage } from '../../lib/index.js'
import { makeFixture, startApp } from '../helpers/app.js'
import { request } from '../helpers/http.js'
import { abortAfterBytes, waitFor } from '../helpers/lifecycle.js'
import { logCapture } from '../helpers/logs.js'

const fx = makeFixture()
t.teardown(fx.remove)
const LARGE = 48 * 1024 * 1024
writeFileSync(join(fx.root, 'large.bin'), Buffer.alloc(LARGE, 7))

const settle = (ms = 30): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

t.test('cleanup runs exactly once, with the outcome, for 200, 206, 304, 404, 412 and 416', async (t) => {
  const outcomes: DownloadOutcome[] = []
  const { app, base } = await startApp(fx.root, { cleanup: (o) => { outcomes.push(o) } })
  t.teardown(() => app.close())
  const etag = (await request(base, '/files/alphabet.txt')).headers.etag!
  await request(base, '/files/alphabet.txt', { headers: { range: 'bytes=2-4' } })
  await request(base, '/files/alphabet.txt', { headers: { 'if-none-match': etag } })
  await request(base, '/files/missing.txt')
  await request(base, '/files/alphabet.txt', { headers: { 'if-match': '"x"' } })
  await request(base, '/files/alphabet.txt', { headers: { range: 'bytes=500-' } })
  await settle()
  t.same(outcomes.map((o) => o.statusCode), [200, 206, 304, 404, 412, 416])
  t.same(outcomes.map((o) => o.bytesSent), [26, 3, 0, 0, 0, 0], 'bytesSent counts body bytes of the download only')
  t.same(outcomes.map((o) => o.aborted), [false, false, false, false, false, false])
  t.same(outcomes[1]!.range, { start: 2, end: 4 })
  t.equal(outcomes[3]!.error?.constructor.name, 'FastifyError')
  t.match(outcomes[3]!.error, { code: 'FST_DOWNLOADS_NOT_FOUND' })
  for (const o of outcomes) t.ok(o.durationMs >= 0 && o.durationMs < 10000, 'durationMs is a duration')
})

t.test('cleanup exactly once for 304, 412, 416 and 404, HEAD included', async (t) => {
  const outcomes: DownloadOutcome[] = []
  const { app, base } = await startApp(fx.root, { cleanup: (o) => { outcomes.push(o) } })
  t.teardown(() => app.close())
  const { headers } = await request(base, '/files/alphabet.txt')
  await waitFor(() => outcomes.length === 1)
  outcomes.length = 0
  const cases: Array<[string, string, Record<string, string>, number]> = [
    ['GET', '/files/alphabet.txt', { 'if-none-match': headers.etag! }, 304],
    ['HEAD', '/files/alphabet.txt', { 'if-none-match': headers.etag! }, 304],
    ['GET', '/files/alphabet.txt', { 'if-match': '"x"' }, 412],
    ['HEAD', '/files/alphabet.txt', { 'if-unmodified-since': 'Mon, 01 Jan 2024 00:00:00 GMT' }, 412],
    ['GET', '/files/alphabet.txt', { range: 'bytes=26-' }, 416],
    ['GET', '/files/missing.txt', {}, 404],
    ['HEAD', '/files/missing.txt', {}, 404]
  ]
  for (const [method, path, h, status] of cases) {
    const res = await request(base, path, { method, headers: h })
    t.equal(res.status, status, `${method} ${status}`)
  }
  await waitFor(() => outcomes.length >= cases.length)
  await sleep(100)
  // README: cleanup "runs exactly once ... and also for 304, 404, 412 and 416 answers"
  t.same(outcomes.map((o) => o.statusCode), cases.map((c) => c[3]))
})

t.test('cleanup functions run in order, after the client has the whole body', async (t) => {
  const order: string[] = []
  let open!: () => void
  const gate = new Promise<void>((resolve) => { open = resolve })
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.get('/slow', (_req, reply) => reply.download('big.bin', {
      cleanup: [
        async () => { await gate; order.push('first') },
        () => { order.push('second') }
      ]
    }))
  })
  t.teardown(() => app.close())
  // If cleanup held the response back, this request would wait on a gate only its end opens.
  const res = await request(base, '/slow')
  t.same(res.body, fx.big)
  order.push('client done')
  open()
  await settle()
  t.same(order, ['client done', 'first', 'second'])
})

t.test('cleanup errors and rejections are logged, never thrown, and the next request is fine', async (t) => {
  const logs = logCapture()
  const { app, base } = await startApp(fx.root, {}, { logger: { level: 'debug', stream: logs.stream } }, (app) => {
    app.get('/throws', (_req, reply) => reply.download('alphabet.txt', { cleanup: () => { throw new Error('sync cleanup boom') } }))
    app.get('/rejects', (_req, reply) => reply.download('alphabet.txt', { cleanup: async () => { throw new Error('async cleanup boom') } }))
  })
  t.teardown(() => app.close())
  t.equal((await request(base, '/throws')).status, 200)
  t.equal((await request(base, '/rejects')).status, 200)
  await settle()
  t.equal((await request(base, '/files/alphabet.txt')).status, 200)
  const errors = logs.lines.filter((l) => l.level === 50 && l.msg === 'download cleanup failed')
  t.same(errors.map((l) => l.err?.message), ['sync cleanup boom', 'async cleanup boom'])
})

t.test('a client that walks away: aborted outcome, bytesSent short, cleanup once, logged at debug, not an error', async (t) => {
  const outcomes: DownloadOutcome[] = []
  const logs = logCapture()
  const { app, base } = await startApp(fx.root, { cleanup: (o) => { outcomes.push(o) } }, { logger: { level: 'debug', stream: logs.stream } })
  t.teardown(() => app.close())
  const got = await abortAfterBytes(base, '/files/large.bin', 256 * 1024)
  t.ok(got < LARGE)
  for (let i = 0; i < 100 && outcomes.length === 0; i++) await settle(20)
  await settle(50)
  t.equal(outcomes.length, 1, 'exactly once')
  const [outcome] = outcomes
  t.equal(outcome!.aborted, true)
  t.equal(outcome!.statusCode, 200)
  t.ok(outcome!.bytesSent >= got && outcome!.bytesSent < LARGE, `bytesSent ${outcome!.bytesSent} between what the client got and the size`)
  t.ok(logs.lines.some((l) => l.level === 20 && l.msg === 'download aborted by the client'), 'logged at debug')
  t.notOk(logs.lines.some((l) => l.level >= 50), 'nothing at error level')
  t.notOk(logs.lines.some((l) => (l as { res?: { statusCode?: number } }).res?.statusCode === 500), 'no 500')
})

t.test('deleteAfter removes the served file once: after success, after abort, after 304 and 416', async (t) => {
  const tmp = join(fx.dir, 'tmp')
  const { mkdirSync } = await import('node:fs')
  mkdirSync(tmp)
  const outcomes: DownloadOutcome[] = []
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.get('/report/:name', (req, reply) => reply.download((req.params as { name: string }).name, 'report.csv', {
      root: tmp, deleteAfter: true, cleanup: (o) => { outcomes.push(o) }
    }))
  })
  t.teardown(() => app.close())
  const waitGone = async (path: string): Promise<boolean> => {
    for (let i = 0; i < 100 && existsSync(path); i++) await settle(10)
    return !existsSync(path)
  }

  writeFileSync(join(tmp, 'a.csv'), 'x,y\n1,2\n')
  const res = await request(base, '/report/a.csv')
  t.equal(res.body.toString(), 'x,y\n1,2\n')
  t.equal(res.headers['content-disposition'], 'attachment; filename="report.csv"')
  t.ok(await waitGone(join(tmp, 'a.csv')), 'deleted after a complete download')
  t.equal((await request(base, '/report/a.csv')).status, 404, 'and gone for the next request')

  writeFileSync(join(tmp, 'b.csv'), Buffer.alloc(LARGE, 1))
  await abortAfterBytes(base, '/report/b.csv', 128 * 1024)
  t.ok(await waitGone(join(tmp, 'b.csv')), 'deleted after the client aborted')

  writeFileSync(join(tmp, 'c.csv'), 'c')
  await request(base, '/report/c.csv', { headers: { range: 'bytes=10-' } })
  t.ok(await waitGone(join(tmp, 'c.csv')), 'deleted after a 416')

  writeFileSync(join(tmp, 'keep.csv'), 'k')
  t.equal((await request(base, '/report/..%2Ffiles%2Falphabet.txt')).status, 403)
  t.ok(existsSync(join(fx.root, 'alphabet.txt')), 'a refused path is never deleted')
  t.equal(outcomes.filter((o) => o.statusCode === 200).length, 2)
})

t.test('every outcome is published on the fastify-downloads:outcome diagnostics channel', async (t) => {
  const messages: OutcomeMessage[] = []
  const listener = (message: unknown): void => { messages.push(message as OutcomeMessage) }
  subscribe('fastify-downloads:outcome', listener)
  t.teardown(() => unsubscribe('fastify-downloads:outcome', listener))
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  await request(base, '/files/alphabet.txt?who=me')
  await request(base, '/files/missing.txt')
  await settle()
  t.equal(messages.length, 2)
  t.equal(messages[0]!.request.url, '/files/alphabet.txt?who=me')
  t.equal(messages[0]!.outcome.statusCode, 200)
  t.equal(messages[0]!.outcome.bytesSent, 26)
  t.equal(messages[1]!.outcome.statusCode, 404)
  t.equal(messages[0]!.reply.statusCode, 200)
})

t.test('an in-memory download with nothing to do at its end listens for nothing; cleanup, a subscriber or a debug logger make it listen', async (t) => {
  // The listener count on the raw response right after download(): a `close` listener per request is a
  // measurable share of a small response (benchmarks/README.md, "Instructions per request").
  const counts = async (options: Record<string, unknown>, serverOptions: Record<string, unknown> = {}): Promise<number[]> => {
    const seen: number[] = []
    const { app, base } = await startApp(fx.root, options, serverOptions, (app) => {
      app.get('/mem', (_req, reply) => {
        const before = reply.raw.listenerCount('close')
        reply.download(Buffer.from('hello'), 'h.txt')
        seen.push(reply.raw.listenerCount('close') - before)
        return reply
      })
      app.get('/cached', (_req, reply) => {
        const before = reply.raw.listenerCount('close')
        reply.download('alphabet.txt')
        seen.push(reply.raw.listenerCount('close') - before)
        return reply
      })
    })
    t.teardown(() => app.close())
    t.equal((await request(base, '/mem')).body.toString(), 'hello')
    await request(base, '/cached') // a miss: read and cached, settled after download() returned
    t.equal((await request(base, '/cached')).body.toString(), 'abcdefghijklmnopqrstuvwxyz', 'the cached copy')
    return [seen[0]!, seen[2]!]
  }
  t.same(await counts({}), [0, 0], 'a buffer and a cached small file add no listener')
  t.same(await counts({}, { logger: { level: 'info', stream: logCapture().stream } }), [0, 0], 'nor with logging above debug')
  t.same(await counts({ cleanup: () => {} }), [1, 1], 'cleanup')
  t.same(await counts({}, { logger: { level: 'debug', stream: logCapture().stream } }), [1, 1], 'a debug logger (to log an abort)')
  const listener = (): void => {}
  subscribe('fastify-downloads:outcome', listener)
  try {
    t.same(await counts({}), [1, 1], 'a subscriber')
  } finally {
    unsubscribe('fastify-downloads:outcome', listener)
  }
})

t.test('an in-memory body the client walks away from: published as aborted, and logged at debug without cleanup', async (t) => {
  const big = Buffer.alloc(8 * 1024 * 1024, 3)
  const messages: OutcomeMessage[] = []
  const listener = (message: unknown): void => { messages.push(message as OutcomeMessage) }
  const logs = logCapture()
  const { app, base } = await startApp(fx.root, {}, { logger: { level: 'debug', stream: logs.stream } }, (app) => {
    app.get('/big', (_req, reply) => reply.download(big, 'big.bin'))
  })
  t.teardown(() => app.close())

  const got = await abortAfterBytes(base, '/big', 128 * 1024)
  for (let i = 0; i < 100 && !logs.lines.some((l) => l.msg === 'download aborted by the client'); i++) await settle(20)
  t.ok(got < big.length)
  t.ok(logs.lines.some((l) => l.level === 20 && l.msg === 'download aborted by the client'), 'logged at debug, with no cleanup and no subscriber')

  subscribe('fastify-downloads:outcome', listener)
  t.teardown(() => unsubscribe('fastify-downloads:outcome', listener))
  await abortAfterBytes(base, '/big', 128 * 1024)
  for (let i = 0; i < 100 && messages.length === 0; i++) await settle(20)
  t.equal(messages.length, 1, 'published once')
  t.equal(messages[0]!.outcome.aborted, true)
  t.ok(messages[0]!.outcome.bytesSent < big.length, 'bytesSent short of the body')
  t.ok(messages[0]!.outcome.durationMs >= 0, 'durationMs is a duration')
})

t.test('a stream that fails after its headers went out: the connection is cut, logged once, in the outcome', async (t) => {
  const outcomes: DownloadOutcome[] = []
  const logs = logCapture()
  const { app, base } = await startApp(fx.root, {}, { logger: { level: 'info', stream: logs.stream } }, (app) => {
    app.get('/fails', (_req, reply) => reply.download(Readable.from((async function * () {
      yield Buffer.alloc(1024, 1)
      await settle(20)
      throw new Error('upstream broke')
    })()), 'x.bin', { cleanup: (o) => { outcomes.push(o) } }))
  })
  t.teardown(() => app.close())
  const result = await new Promise<{ status: number, error: string | undefined, bytes: number }>((resolve) => {
    const req = httpRequest(base + '/fails', { agent: false }, (res) => {
      let bytes = 0
      res.on('data', (c: Buffer) => { bytes += c.length })
      res.on('error', (err) => resolve({ status: res.statusCode!, error: err.message, bytes }))
      res.on('end', () => resolve({ status: res.statusCode!, error: undefined, bytes }))
    })
    req.end()
  })
  t.equal(result.status, 200)
  t.ok(result.error, `the client sees a broken response (${result.error}), not a complete one`)
  for (let i = 0; i < 50 && outcomes.length === 0; i++) await settle(10)
  t.equal(outcomes.length, 1)
  t.equal(outcomes[0]!.error?.message, 'upstream broke')
  t.equal(outcomes[0]!.aborted, true, 'the body did not finish')
  t.equal(logs.lines.filter((l) => l.err?.message === 'upstream broke').length, 1, 'logged once')
})

t.test('with inject (no socket), cleanup still runs once and the body is whole', async (t) => {
  const Fastify = (await import('fastify')).default
  const downloads = (await import('../../lib/index.js')).default
  const outcomes: DownloadOutcome[] = []
  const app = Fastify()
  await app.register(downloads, { root: fx.root, cleanup: (o) => { outcomes.push(o) } })
  app.get('/a', (_req, reply) => reply.download('big.bin'))
  app.get('/s', (_req, reply) => reply.download(Readable.from(['x', 'y']), 'xy.txt'))
  t.teardown(() => app.close())
  const res = await app.inject('/a')
  t.equal(res.statusCode, 200)
  t.same(res.rawPayload, fx.big)
  t.equal((await app.inject('/s')).body, 'xy')
  await settle()
  t.same(outcomes.map((o) => [o.statusCode, o.aborted, o.bytesSent]), [[200, false, fx.big.length], [200, false, 2]])
})
