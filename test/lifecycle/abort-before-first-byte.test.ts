// A client that leaves while download() waits for a source's first chunk or open(): body destroyed, cleanup once, aborted.
import t, { type Test } from 'tap'
import { existsSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { ReadableStream, type ReadableStreamDefaultController } from 'node:stream/web'
import type { FastifyInstance } from 'fastify'
import type { DownloadOutcome } from '../../lib/index.js'
import { appWith, makeFixture } from '../helpers/app.js'
import { request } from '../helpers/http.js'

const fx = makeFixture()
t.teardown(fx.remove)

const settle = (ms = 30): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `check` every 10 ms for at most `ms`; true when it held. */
async function waitFor (check: () => boolean, ms: number): Promise<boolean> {
  const until = performance.now() + ms
  while (!check() && performance.now() < until) await settle(10)
  return check()
}

interface Recorded { outcomes: DownloadOutcome[], at: number[], cleanup: (o: DownloadOutcome) => void }
function recorder (): Recorded {
  const r: Recorded = { outcomes: [], at: [], cleanup: (o) => { r.outcomes.push(o); r.at.push(performance.now()) } }
  return r
}

const withApp = (t: Test, routes: (app: FastifyInstance) => void): Promise<string> => appWith(t, fx.root, routes)

/** A GET that the client destroys after `ms` (or once `leaveWhen` resolves); resolves with when it left and whether a response came. */
function leave (base: string, path: string, ms: number, leaveWhen?: Promise<unknown>): Promise<{ leftAt: number, responded: boolean }> {
  return new Promise((resolve) => {
    let responded = false
    const req = httpRequest(base + path, { agent: false }, (res) => { responded = true; res.resume() })
    req.on('error', () => {})
    req.end()
    const go = (): void => {
      req.destroy()
      resolve({ leftAt: performance.now(), responded })
    }
    if (leaveWhen === undefined) setTimeout(go, ms)
    else void leaveWhen.then(go)
  })
}

/** The shared assertions: one aborted outcome within 2 s of the client leaving. */
async function cleanedUpOnce (t: Test, rec: Recorded, left: { responded: boolean }): Promise<void> {
  t.notOk(left.responded, 'no response reached the client before it left')
  t.ok(await waitFor(() => rec.outcomes.length > 0, 2000), 'cleanup ran within 2 s of the client leaving')
  await settle(100)
  t.equal(rec.outcomes.length, 1, 'cleanup ran exactly once')
  t.equal(rec.outcomes[0]?.aborted, true, 'the outcome is aborted')
}

t.test('a Node Readable that never pushes is destroyed when the client leaves', async (t) => {
  const rec = recorder()
  const readable = new Readable({ read () {} })
  const base = await withApp(t, (app) => {
    app.get('/silent', (_req, reply) => reply.download(readable, 'silent.bin', { cleanup: rec.cleanup }))
  })
  const left = await leave(base, '/silent', 300)
  await cleanedUpOnce(t, rec, left)
  t.ok(await waitFor(() => readable.destroyed, 500), 'the Readable is destroyed')
  readable.push('late') // the source produces after the client left
  await settle(200)
  t.equal(rec.outcomes.length, 1, 'a late chunk does not run cleanup again')
  t.equal((await request(base, '/ok')).body.toString(), 'still serving')
})

t.test('an async generator that awaits is ended (its finally runs) when the client leaves', async (t) => {
  const rec = recorder()
  let release!: () => void
  const gate = new Promise<void>((resolve) => { release = resolve })
  let finished = false
  const base = await withApp(t, (app) => {
    app.get('/gen', (_req, reply) => reply.download((async function * () {
      try {
        await gate
        yield 'late'
        yield 'later'
      } finally {
        finished = true
      }
    })(), 'gen.txt', { cleanup: rec.cleanup }))
  })
  const left = await leave(base, '/gen', 300)
  await cleanedUpOnce(t, rec, left)
  release() // only now can a pending return() reach the generator
  t.ok(await waitFor(() => finished, 1000), 'the generator was returned: its finally block ran')
  await settle(100)
  t.equal(rec.outcomes.length, 1, 'producing later does not run cleanup again')
})

t.test('a web ReadableStream that never enqueues is cancelled when the client leaves', async (t) => {
  const rec = recorder()
  let cancelled = false
  let controller!: ReadableStreamDefaultController<Uint8Array>
  const stream = new ReadableStream<Uint8Array>({
    start (c) { controller = c },
    cancel () { cancelled = true }
  })
  const base = await withApp(t, (app) => {
    app.get('/web', (_req, reply) => reply.download(stream, 'web.bin', { cleanup: rec.cleanup }))
  })
  const left = await leave(base, '/web', 300)
  await cleanedUpOnce(t, rec, left)
  t.ok(await waitFor(() => cancelled, 500), 'its cancel callback was called')
  try { controller.enqueue(new TextEncoder().encode('late')) } catch {}
  await settle(200)
  t.equal(rec.outcomes.length, 1, 'a late chunk does not run cleanup again')
})

t.test('a RangedSource whose open() resolves after the client left: cleanup at once, the late Readable destroyed', async (t) => {
  const rec = recorder()
  let late: Readable | undefined
  let arrivedAt = Infinity
  let opens = 0
  const base = await withApp(t, (app) => {
    app.get('/ranged', (_req, reply) => reply.download({
      size: 10,
      open: () => {
        opens++
        return new Promise<Readable>((resolve) => setTimeout(() => {
          late = new Readable({ read () { this.push('late bytes'); this.push(null) } })
          arrivedAt = performance.now()
          resolve(late)
        }, 1000))
      }
    }, 'late.bin', { cleanup: rec.cleanup }))
  })
  const left = await leave(base, '/ranged', 300)
  await cleanedUpOnce(t, rec, left)
  t.ok((rec.at[0] ?? Infinity) < arrivedAt, 'cleanup ran before open() resolved, not when it did')
  t.equal(rec.outcomes[0]?.bytesSent, 0, 'nothing was sent')
  t.ok(await waitFor(() => late !== undefined, 1500), 'open() resolved')
  t.ok(await waitFor(() => late?.destroyed === true, 500), 'the late Readable is destroyed')
  await settle(100)
  t.equal(rec.outcomes.length, 1, 'the late result does not run cleanup again')
  t.equal(rec.outcomes[0]?.bytesSent, 0, 'and nothing is written')
  t.equal(opens, 1)
  t.equal((await request(base, '/ok')).body.toString(), 'still serving', 'the server is fine')
})

t.test('a path with deleteAfter whose client left at once: the file is still deleted, cleanup once', async (t) => {
  const rec = recorder()
  const file = join(fx.root, 'temp-report.bin')
  writeFileSync(file, Buffer.alloc(4 * 1024 * 1024, 5))
  let entered!: () => void
  const inHandler = new Promise<void>((resolve) => { entered = resolve })
  const base = await withApp(t, (app) => {
    app.get('/temp', async (_req, reply) => {
      entered()
      await settle(100) // the client is gone by the time download() is called
      return reply.download('temp-report.bin', { deleteAfter: true, cleanup: rec.cleanup })
    })
  })
  const left = await leave(base, '/temp', 0, inHandler)
  await cleanedUpOnce(t, rec, left)
  t.ok(await waitFor(() => !existsSync(file), 1000), 'the file was deleted')
})
