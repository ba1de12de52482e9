// A body longer or shorter than its Content-Length never desynchronises a keep-alive connection.
import t, { type Test } from 'tap'
import { connect } from 'node:net'
import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { DownloadOutcome } from '../../lib/index.js'
import { appWith, makeFixture } from '../helpers/app.js'
import { request } from '../helpers/http.js'

const fx = makeFixture()
t.teardown(fx.remove)

const settle = (ms = 30): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const FORGED = 'HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nforged'

async function waitFor (check: () => boolean, ms: number): Promise<boolean> {
  const until = performance.now() + ms
  while (!check() && performance.now() < until) await settle(10)
  return check()
}

interface Head { status: number, length: number | undefined, bodyAt: number }
function parseHead (raw: Buffer, from = 0): Head | undefined {
  const end = raw.indexOf('\r\n\r\n', from)
  if (end === -1) return undefined
  const text = raw.toString('latin1', from, end)
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(text)
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]), length: length === null ? undefined : Number(length[1]), bodyAt: end + 4 }
}

interface Session { raw: Buffer, closed: boolean, first?: Head, second?: Head }

/**
 * One keep-alive connection: GET `path` (with `headers`), read its response, then (if the server kept
 * the connection) GET /ok on the same socket. Every wait is bounded.
 */
async function session (base: string, path: string, headers: Record<string, string> = {}): Promise<Session> {
  const socket = connect(Number(new URL(base).port), '127.0.0.1')
  const s: Session = { raw: Buffer.alloc(0), closed: false }
  socket.on('data', (chunk: Buffer) => { s.raw = Buffer.concat([s.raw, chunk]) })
  socket.on('error', () => {})
  socket.on('close', () => { s.closed = true })
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')
  socket.write(`GET ${path} HTTP/1.1\r\nhost: x\r\nconnection: keep-alive\r\n${extra}\r\n`)
  const complete = (): boolean => {
    s.first = parseHead(s.raw)
    return s.first?.length !== undefined && s.raw.length >= s.first.bodyAt + s.first.length
  }
  await waitFor(() => s.closed || complete(), 2000)
  await settle(200) // room for bytes beyond the length, or the close
  if (!s.closed) {
    const firstEnd = s.first === undefined ? s.raw.length : s.first.bodyAt + (s.first.length ?? 0)
    socket.write('GET /ok HTTP/1.1\r\nhost: x\r\nconnection: keep-alive\r\n\r\n')
    await waitFor(() => {
      s.second = parseHead(s.raw, firstEnd)
      return s.closed || (s.second?.length !== undefined && s.raw.length >= s.second.bodyAt + s.second.length)
    }, 2000)
  }
  socket.destroy()
  return s
}

/** The keep-alive invariant: never 'forged'; either the server closed the connection or /ok came back intact. */
function noDesync (t: Test, s: Session): void {
  t.notOk(s.raw.includes('forged'), 'the forged response is never on the wire')
  if (s.second !== undefined && !s.closed) {
    t.equal(s.second.status, 200, 'the next response on the connection is a 200')
    t.equal(s.raw.toString('latin1', s.second.bodyAt, s.second.bodyAt + (s.second.length ?? 0)), 'real ok', 'with the real /ok body')
  } else {
    t.ok(s.closed, 'or the server closed the connection')
  }
}

const withApp = (t: Test, routes: (app: FastifyInstance) => void): Promise<string> => appWith(t, fx.root, routes, 'real ok')

/** Chunks with a pause before each after the first, so the first ones are on the wire before the fault. */
const slowly = (...chunks: string[]): Readable => Readable.from((async function * () {
  for (let i = 0; i < chunks.length; i++) {
    if (i > 0) await settle(50)
    yield Buffer.from(chunks[i]!)
  }
})())

/** A fault found before any byte of the body went out may be answered with a clean 500 instead. */
function clean500 (s: Session): boolean {
  if (s.first?.status !== 500 || s.first.length === undefined) return false
  try {
    return JSON.parse(s.raw.toString('utf8', s.first.bodyAt, s.first.bodyAt + s.first.length)).statusCode === 500
  } catch {
    return false
  }
}

/** A body longer than announced: the announced head (or a clean 500), and nothing past its length. */
function notOverSent (t: Test, s: Session, status: number, length: number): void {
  if (clean500(s)) {
    t.pass('a clean 500 in Fastify error format, found before the body went out')
    t.notOk(s.raw.includes('0123'), 'no byte of the body')
  } else {
    t.equal(s.first?.status, status)
    t.equal(s.first?.length, length)
  }
  noDesync(t, s)
}

/** A body shorter than announced: the connection is cut (or, before any byte, a clean 500). */
function cutShort (t: Test, s: Session, status: number, length: number | undefined): void {
  if (clean500(s)) {
    t.pass('a clean 500 in Fastify error format, found before the body went out')
    noDesync(t, s)
    return
  }
  t.equal(s.first?.status, status)
  if (length !== undefined) t.equal(s.first?.length, length)
  t.ok(s.closed && s.second === undefined, 'the server closed the connection before a next request could be swallowed')
  const got = s.raw.length - (s.first?.bodyAt ?? 0)
  t.ok(s.first?.length !== undefined && got < s.first.length, `the body is short of its Content-Length (${got} < ${s.first?.length})`)
}

async function errored (t: Test, outcomes: DownloadOutcome[]): Promise<void> {
  await waitFor(() => outcomes.length > 0, 1000)
  t.equal(outcomes.length, 1, 'cleanup ran once')
  t.match(outcomes[0]?.error, { code: 'FST_DOWNLOADS_LENGTH_MISMATCH' }, `the outcome carries the mismatch (${outcomes[0]?.error?.message})`)
  // A cut body is not a finished download; a clean 500 is a finished (error) response.
  t.equal(outcomes[0]?.aborted, outcomes[0]?.statusCode !== 500, `aborted: ${outcomes[0]?.aborted} for a ${outcomes[0]?.statusCode}`)
}

/** A route /ranged over a RangedSource of size 10 whose open() is `open`, recording outcomes. */
async function ranged (t: Test, open: (range?: { start: number, end: number }) => Readable): Promise<{ base: string, outcomes: DownloadOutcome[] }> {
  const outcomes: DownloadOutcome[] = []
  const base = await withApp(t, (app) => {
    app.get('/ranged', (_req, reply) => reply.download({ size: 10, open }, 'x.bin', { cleanup: (o) => { outcomes.push(o) } }))
  })
  return { base, outcomes }
}

t.test('a ranged source whose body is longer than its size, in one chunk: no forged response', async (t) => {
  const { base, outcomes } = await ranged(t, () => Readable.from([Buffer.from('0123456789' + FORGED)]))
  notOverSent(t, await session(base, '/ranged'), 200, 10)
  await errored(t, outcomes)
})

t.test('a ranged source whose extra bytes come after the announced ones went out: no forged response', async (t) => {
  const { base, outcomes } = await ranged(t, () => slowly('0123456789', FORGED))
  const s = await session(base, '/ranged')
  t.equal(s.first?.status, 200)
  t.equal(s.raw.toString('latin1', s.first?.bodyAt ?? 0, (s.first?.bodyAt ?? 0) + 10), '0123456789', 'the announced bytes')
  noDesync(t, s)
  await errored(t, outcomes)
})

t.test('a single range whose open(range) returns more than the range', async (t) => {
  const { base, outcomes } = await ranged(t, () => slowly('01234', FORGED))
  notOverSent(t, await session(base, '/ranged', { range: 'bytes=0-4' }), 206, 5)
  await errored(t, outcomes)
})

t.test('a ranged source that returns fewer bytes than announced: the server closes the connection', async (t) => {
  const { base, outcomes } = await ranged(t, () => slowly('01', '23'))
  cutShort(t, await session(base, '/ranged'), 200, 10)
  await errored(t, outcomes)
})

t.test('a multipart response with one part of the wrong length is cut, never complete', async (t) => {
  const digits = '0123456789'
  const { base, outcomes } = await ranged(t, (range) => range?.start === 5 ? slowly('56', '78') : slowly(digits.slice(range?.start ?? 0, (range?.end ?? 9) + 1)))
  cutShort(t, await session(base, '/ranged', { range: 'bytes=0-1,5-6' }), 206, undefined)
  await errored(t, outcomes)
})

t.test('a stream with size 10 that produces 4 bytes: the connection is cut', async (t) => {
  const outcomes: DownloadOutcome[] = []
  const base = await withApp(t, (app) => {
    app.get('/stream', (_req, reply) => reply.download(slowly('01', '23'), 'x.bin', { size: 10, cleanup: (o) => { outcomes.push(o) } }))
  })
  cutShort(t, await session(base, '/stream'), 200, 10)
  await errored(t, outcomes)
})

t.test('a stream with size 4 whose first chunk is already 10 bytes: a clean 500', async (t) => {
  const base = await withApp(t, (app) => {
    app.get('/stream', (_req, reply) => reply.download(Readable.from([Buffer.from('0123456789')]), 'x.bin', { size: 4 }))
  })
  const res = await request(base, '/stream').catch((err: Error) => err)
  if (res instanceof Error) {
    t.fail(`a clean 500, not a broken connection (${res.message})`)
    return
  }
  t.equal(res.status, 500)
  t.equal(JSON.parse(res.body.toString()).statusCode, 500, 'in Fastify error format')
  t.notOk(res.body.includes('0123'), 'no byte of the stream')
  t.notOk(res.headers['content-disposition'], 'the error is not offered as a download')
  const s = await session(base, '/stream')
  t.notOk(s.raw.includes('0123'), 'on a keep-alive connection neither')
  noDesync(t, s)
})

t.test('a stream or store that has ended short before anything was sent: a clean 500, never a connection closed with no status', async (t) => {
  const outcomes: DownloadOutcome[] = []
  const cleanup = (o: DownloadOutcome): void => { outcomes.push(o) }
  const base = await withApp(t, (app) => {
    app.get('/four', (_req, reply) => reply.download(Readable.from([Buffer.from('0123')]), 'x.bin', { size: 10, cleanup }))
    app.get('/none', (_req, reply) => reply.download(Readable.from([]), 'x.bin', { size: 10, cleanup }))
    app.get('/store', (_req, reply) => reply.download({ size: 10, open: () => Readable.from([Buffer.from('01')]) }, 'x.bin', { cleanup }))
  })
  for (const path of ['/four', '/none', '/store']) {
    const res = await request(base, path).catch((err: Error) => err)
    if (res instanceof Error) {
      t.fail(`${path}: a clean 500, not a connection closed with no status (${res.message})`)
      continue
    }
    t.equal(res.status, 500, path)
    t.match(JSON.parse(res.body.toString()), { statusCode: 500, code: 'FST_DOWNLOADS_LENGTH_MISMATCH' }, `${path}: in Fastify error format`)
  }
  await waitFor(() => outcomes.length === 3, 1000)
  t.same(outcomes.map((o) => [o.statusCode, o.aborted]), [[500, false], [500, false], [500, false]])
})
