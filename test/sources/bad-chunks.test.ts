// A stream chunk that is not bytes is a stream error, not a crash (lone surrogates and edge spaces in file names: test/disposition/names.test.ts).
import t, { type Test } from 'tap'
import { request as httpRequest } from 'node:http'
import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { DownloadOutcome } from '../../lib/index.js'
import { appWith, makeFixture } from '../helpers/app.js'
import { request } from '../helpers/http.js'

const fx = makeFixture()
t.teardown(fx.remove)

const settle = (ms = 30): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

const withApp = (t: Test, routes: (app: FastifyInstance) => void): Promise<string> => appWith(t, fx.root, routes)

interface Got { status?: number, body: Buffer, complete: boolean, error?: string, timedOut: boolean }

/** A GET that reports how it ended (complete, cut, or no answer within `ms`), never waiting longer. */
function get (base: string, path: string, ms = 3000): Promise<Got> {
  return new Promise((resolve) => {
    const got: Got = { body: Buffer.alloc(0), complete: false, timedOut: false }
    const done = (): void => { clearTimeout(timer); resolve(got) }
    const timer = setTimeout(() => { got.timedOut = true; req.destroy(); done() }, ms)
    const req = httpRequest(base + path, { agent: false }, (res) => {
      got.status = res.statusCode
      res.on('data', (c: Buffer) => { got.body = Buffer.concat([got.body, c]) })
      res.on('end', () => { got.complete = !res.aborted; done() })
      res.on('error', (err) => { got.error = err.message; done() })
      res.on('close', done)
    })
    req.on('error', (err) => { got.error = err.message; done() })
    req.end()
  })
}

t.test('an objectMode Readable of strings, Buffers and Uint8Arrays is sent as usual', async (t) => {
  const base = await withApp(t, (app) => {
    app.get('/fine', (_req, reply) => reply.download(Readable.from(['a,b\n', Buffer.from('1,2\n'), new TextEncoder().encode('3,4\n')]), 'x.csv'))
  })
  const res = await request(base, '/fine')
  t.equal(res.status, 200)
  t.equal(res.body.toString(), 'a,b\n1,2\n3,4\n')
})

// Last: on a build without the guard these crash the process (tap reports the uncaught exception).

t.test('a non-bytes chunk before the first byte: a clean 500, cleanup with the error, the server lives on', async (t) => {
  const outcomes: DownloadOutcome[] = []
  const base = await withApp(t, (app) => {
    app.get('/bad', (_req, reply) => reply.download(Readable.from([{ id: 1 }]) as Readable, 'x.csv', { cleanup: (o) => { outcomes.push(o) } }))
  })
  const res = await get(base, '/bad')
  t.equal(res.status, 500, 'a 500')
  t.ok(res.complete, 'a complete response')
  t.equal(JSON.parse(res.body.toString() || '{}').statusCode, 500, 'in Fastify error format')
  for (let i = 0; i < 100 && outcomes.length === 0; i++) await settle(10)
  t.equal(outcomes.length, 1, 'cleanup once')
  t.ok(outcomes[0]?.error instanceof Error, 'with the error')
  t.equal((await get(base, '/ok')).body.toString(), 'still serving', 'a second request is served')
})

t.test('a non-bytes chunk after bytes went out: the connection is cut, the server lives on', async (t) => {
  const outcomes: DownloadOutcome[] = []
  const base = await withApp(t, (app) => {
    // The bad row comes once the header row has gone out (a cursor's next page); both in one go get a clean 500.
    app.get('/bad', (_req, reply) => reply.download(Readable.from((async function * () {
      yield Buffer.from('id,name\n')
      await settle(100)
      yield { id: 1 }
    })()), 'x.csv', {
      cleanup: (o) => { outcomes.push(o) }
    }))
  })
  const res = await get(base, '/bad')
  t.notOk(res.timedOut, 'the response ends, it does not hang')
  t.notOk(res.complete, `the client sees a broken response (${res.error ?? 'closed'}), not a complete one`)
  t.ok('id,name\n'.startsWith(res.body.toString()), `the client got at most the good bytes (${JSON.stringify(res.body.toString())})`)
  for (let i = 0; i < 100 && outcomes.length === 0; i++) await settle(10)
  t.equal(outcomes.length, 1, 'cleanup once')
  t.ok(outcomes[0]?.error instanceof Error, 'with the error')
  t.equal((await get(base, '/ok')).body.toString(), 'still serving', 'a follow-up request to another route works')
})
