// An HTTP/2 download cut by RST_STREAM or a lost session is an aborted outcome, not a finished one (HTTP/1.1 as the control).
import t, { type Test } from 'tap'
import { createReadStream, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { connect, constants } from 'node:http2'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import downloads, { type DownloadOutcome } from '../../lib/index.js'

const SIZE = 64 * 1024 * 1024
const CUT = 256 * 1024
// Each cut is repeated: whether Node marks a reset stream's writable side finished depends on timing.
const REPEAT = 3
const dir = realpathSync(mkdtempSync(join(tmpdir(), 'fdl-h2abort-')))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const file = join(dir, 'large.bin')
writeFileSync(file, Buffer.alloc(SIZE, 5))

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** An app on a real socket whose plugin records every outcome; `/stream` sends a stream source of known size. */
async function start (t: Test, http2: boolean): Promise<{ origin: string, outcomes: DownloadOutcome[] }> {
  const outcomes: DownloadOutcome[] = []
  // One shape for both: the routes and hooks used here are the same on either server.
  const app = (http2 ? Fastify({ http2: true }) : Fastify()) as unknown as FastifyInstance
  await app.register(downloads, { root: dir, cleanup: (outcome) => { outcomes.push(outcome) } })
  app.get('/files/:name', (req, reply) => reply.download((req.params as { name: string }).name))
  app.get('/stream', (_req, reply) => reply.download(createReadStream(file), 'x.bin', { size: SIZE }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const { port } = app.server.address() as { port: number }
  return { origin: `http://127.0.0.1:${port}`, outcomes }
}

/** Waits (bounded) until `outcomes` has `count` entries, then a little more, so one too many would be seen too. */
async function outcomesOf (outcomes: DownloadOutcome[], count = 1): Promise<DownloadOutcome[]> {
  for (let i = 0; i < 250 && outcomes.length < count; i++) await settle(20)
  await settle(200)
  return outcomes
}

type Cut = 'cancel' | 'destroy' | 'none'

/** One HTTP/2 GET on its own session; `cut` ends it after CUT bytes by RST_STREAM (CANCEL) or by destroying the session. */
function h2get (origin: string, path: string, cut: Cut): Promise<{ status: number, got: number }> {
  return new Promise((resolve, reject) => {
    const session = connect(origin)
    session.on('error', () => {})
    const timer = setTimeout(() => { session.destroy(); reject(new Error('client timeout')) }, 15_000)
    const stream = session.request({ ':path': path })
    let status = 0
    let got = 0
    let done = false
    const finish = (): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      if (!session.destroyed) session.close()
      resolve({ status, got })
    }
    stream.on('response', (headers) => { status = Number(headers[':status']) })
    stream.on('data', (chunk: Buffer) => {
      got += chunk.length
      if (cut === 'none' || got < CUT || done) return
      if (cut === 'cancel') stream.close(constants.NGHTTP2_CANCEL)
      else session.destroy()
      finish()
    })
    stream.on('end', finish)
    stream.on('close', finish)
    stream.on('error', () => {})
    stream.end()
  })
}

function checkAborted (t: Test, outcomes: DownloadOutcome[], got: number): void {
  t.equal(outcomes.length, 1, 'exactly one outcome')
  const [outcome] = outcomes
  t.equal(outcome?.statusCode, 200)
  t.equal(outcome?.aborted, true, 'aborted')
  t.ok(outcome !== undefined && outcome.bytesSent < SIZE, `bytesSent ${outcome?.bytesSent} short of ${SIZE}`)
  t.ok(got < SIZE, `the client got ${got} bytes, short of ${SIZE}`)
}

for (const [label, path] of [['a file', '/files/large.bin'], ['a stream source', '/stream']] as const) {
  t.test(`HTTP/2, ${label}: RST_STREAM (CANCEL) after ${CUT} bytes is an aborted outcome`, async (t) => {
    const { origin, outcomes } = await start(t, true)
    for (let i = 0; i < REPEAT; i++) {
      const { status, got } = await h2get(origin, path, 'cancel')
      t.equal(status, 200)
      checkAborted(t, (await outcomesOf(outcomes, i + 1)).slice(i), got)
    }
  })

  t.test(`HTTP/2, ${label}: the session destroyed after ${CUT} bytes is an aborted outcome`, async (t) => {
    const { origin, outcomes } = await start(t, true)
    for (let i = 0; i < REPEAT; i++) {
      const { status, got } = await h2get(origin, path, 'destroy')
      t.equal(status, 200)
      checkAborted(t, (await outcomesOf(outcomes, i + 1)).slice(i), got)
    }
  })

  t.test(`HTTP/2, ${label}: a complete download is not aborted and counts every byte (control)`, async (t) => {
    const { origin, outcomes } = await start(t, true)
    const { status, got } = await h2get(origin, path, 'none')
    t.equal(status, 200)
    t.equal(got, SIZE, 'the client got the whole body')
    const seen = await outcomesOf(outcomes)
    t.equal(seen.length, 1, 'exactly one outcome')
    t.match(seen[0], { statusCode: 200, aborted: false, bytesSent: SIZE })
  })
}

t.test('HTTP/1.1: a download cut after 256 KiB is an aborted outcome (control)', async (t) => {
  const { origin, outcomes } = await start(t, false)
  const got = await new Promise<number>((resolve, reject) => {
    const req = httpRequest(origin + '/files/large.bin', { agent: false }, (res) => {
      let received = 0
      res.on('data', (chunk: Buffer) => {
        received += chunk.length
        if (received >= CUT && !req.destroyed) {
          req.destroy()
          resolve(received)
        }
      })
      res.on('end', () => resolve(received))
      res.on('error', () => {})
    })
    req.setTimeout(15_000, () => req.destroy(new Error('client timeout')))
    req.on('error', (err) => { if (err.message === 'client timeout') reject(err) })
    req.end()
  })
  checkAborted(t, await outcomesOf(outcomes), got)
})
