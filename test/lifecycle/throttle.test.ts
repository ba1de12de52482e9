import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { makeFixture, startApp } from '../helpers/app.js'
import { request } from '../helpers/http.js'

const fx = makeFixture()
t.teardown(fx.remove)
const SIZE = 1536 * 1024
const body = Buffer.alloc(SIZE)
for (let i = 0; i < SIZE; i++) body[i] = i & 0xff
writeFileSync(join(fx.root, 'throttled.bin'), body)
const RATE = 512 * 1024
const BURST = 256 * 1024

// The limit is behaviour the issue asks to be accurate to a few percent over a few seconds, so this
// measures wall time: (SIZE - BURST) / RATE = 2.5 s. Never faster than 7% under; the upper margin
// is wider because a loaded CI machine can starve the client, which only ever makes it slower.
const expected = ((SIZE - BURST) / RATE) * 1000

t.test('throttle holds a file, a range, a buffer and a stream to the rate after the burst', async (t) => {
  const throttle = { bytesPerSecond: RATE, burst: BURST }
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.get('/file', (_req, reply) => reply.download('throttled.bin', { throttle }))
    app.get('/buffer', (_req, reply) => reply.download(body, 'b.bin', { throttle }))
    app.get('/stream', (_req, reply) => reply.download(Readable.from([body.subarray(0, SIZE / 2), body.subarray(SIZE / 2)]), 's.bin', { throttle }))
  })
  t.teardown(() => app.close())
  const timed = async (path: string, headers: Record<string, string> = {}): Promise<{ ms: number, bytes: Buffer, status: number }> => {
    const start = performance.now()
    const res = await request(base, path, { headers })
    return { ms: performance.now() - start, bytes: res.body, status: res.status }
  }
  const [file, buffer, stream] = await Promise.all([timed('/file'), timed('/buffer'), timed('/stream')])
  for (const [label, result] of [['file', file], ['buffer', buffer], ['stream', stream]] as const) {
    t.same(result.bytes, body, `${label}: every byte, in order`)
    t.ok(result.ms > expected * 0.93 && result.ms < expected * 1.2, `${label}: ${result.ms.toFixed(0)} ms for an expected ${expected.toFixed(0)} ms`)
  }
  const start = SIZE - RATE - BURST
  const ranged = await timed('/file', { range: `bytes=${start}-` })
  t.equal(ranged.status, 206)
  t.same(ranged.bytes, body.subarray(start))
  t.ok(ranged.ms > 930 && ranged.ms < 1200, `range: ${ranged.ms.toFixed(0)} ms for an expected 1000 ms`)
})

t.test('a throttled download can still be aborted, and frees its file', async (t) => {
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.get('/slow', (_req, reply) => reply.download('throttled.bin', { throttle: { bytesPerSecond: 64 * 1024 } }))
  })
  t.teardown(() => app.close())
  const { request: httpRequest } = await import('node:http')
  const got = await new Promise<number>((resolve) => {
    const req = httpRequest(base + '/slow', { agent: false }, (res) => {
      let n = 0
      res.on('data', (c: Buffer) => { n += c.length; if (n > 10000) { req.destroy(); resolve(n) } })
    })
    req.on('error', () => {})
    req.end()
  })
  t.ok(got < SIZE)
})
