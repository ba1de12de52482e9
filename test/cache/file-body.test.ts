import t from 'tap'
import { createHash } from 'node:crypto'
import { closeSync, fstatSync, openSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough, Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { FileBody, DIRECT_CHUNK, STREAM_CHUNK } from '../../lib/sources/file/file-body.js'
import { identityOf, type FileIdentity } from '../../lib/sources/file/file-cache.js'
import { outcomeChannel, type OutcomeMessage } from '../../lib/index.js'
import { makeFixture, startApp } from '../helpers/app.js'
import { request } from '../helpers/http.js'

// Large files bypass the memory cache, so these are served by FileBody: straight to the socket on
// HTTP/1, from recycled buffers. Two files with different bytes catch a buffer handed to the wrong response.
const fx = makeFixture()
t.teardown(fx.remove)
const SIZE = 3 * 1024 * 1024 + 12345
function pattern (seed: number): Buffer {
  const b = Buffer.alloc(SIZE)
  for (let i = 0; i < SIZE; i++) b[i] = (i * seed + (i >> 10)) & 0xff
  return b
}
const a = pattern(7)
const b = pattern(13)
writeFileSync(join(fx.root, 'a.bin'), a)
writeFileSync(join(fx.root, 'b.bin'), b)
const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

t.test('recycled buffers never cross responses: 40 parallel downloads and ranges of two files, every byte checked', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  const jobs = []
  for (let i = 0; i < 40; i++) {
    const [name, data] = i % 2 === 0 ? ['a.bin', a] as const : ['b.bin', b] as const
    if (i % 4 < 2) {
      jobs.push(request(base, `/files/${name}`).then((res) => {
        t.equal(res.status, 200)
        t.equal(sha(res.body), sha(data), `${name} whole, request ${i}`)
      }))
    } else {
      // A range that starts mid-buffer and spans several direct chunks.
      const start = 1000 + i * 777
      const end = start + DIRECT_CHUNK * 2 + 99
      jobs.push(request(base, `/files/${name}`, { headers: { range: `bytes=${start}-${end}` } }).then((res) => {
        t.equal(res.status, 206)
        t.equal(sha(res.body), sha(data.subarray(start, end + 1)), `${name} ${start}-${end}, request ${i}`)
      }))
    }
  }
  await Promise.all(jobs)
})

t.test('the outcome counts the bytes a direct body flushed', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  const seen: OutcomeMessage[] = []
  const listener = (m: unknown): void => { seen.push(m as OutcomeMessage) }
  outcomeChannel.subscribe(listener)
  t.teardown(() => outcomeChannel.unsubscribe(listener))
  const res = await request(base, '/files/a.bin', { headers: { range: 'bytes=10-300009' } })
  t.equal(res.body.length, 300000)
  for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal(seen[0]?.outcome.bytesSent, 300000)
  t.equal(seen[0]?.outcome.aborted, false)
})

t.test('an onSend hook that wraps the body gets ordinary chunks, and every byte', async (t) => {
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.addHook('onSend', async (_req, _reply, payload) => {
      if (!(payload instanceof Readable)) return payload
      const wrapped = new PassThrough()
      payload.pipe(wrapped)
      return wrapped
    })
  })
  t.teardown(() => app.close())
  const res = await request(base, '/files/b.bin')
  t.equal(sha(res.body), sha(b))
})

/** Opens a fixture file; `handedBack` counts how often the body gave the descriptor back (it closes it then). */
function openCounted (name: string): { fd: number, identity: FileIdentity, done: () => void, handedBack: () => number } {
  const fd = openSync(join(fx.root, name), 'r')
  let count = 0
  return { fd, identity: identityOf(fstatSync(fd, { bigint: true })), done: () => { count++; closeSync(fd) }, handedBack: () => count }
}

t.test('read directly (not piped to a response), a FileBody yields fresh chunks of at most 64 KiB', async (t) => {
  const { fd, identity, done, handedBack } = openCounted('a.bin')
  const body = new FileBody(fd, 5, 200004, identity, true, done)
  const chunks: Buffer[] = []
  for await (const chunk of body) chunks.push(chunk as Buffer)
  t.ok(chunks.every((c) => c.length <= STREAM_CHUNK), 'chunk size')
  t.equal(new Set(chunks.map((c) => c.buffer)).size, chunks.length, 'no two chunks share memory')
  t.equal(sha(Buffer.concat(chunks)), sha(a.subarray(5, 200005)))
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(handedBack(), 1, 'the descriptor is handed back once, at the end')
})

t.test('piped to a slow writer that is not a response, a FileBody respects backpressure and closes its descriptor', async (t) => {
  const { fd, identity, done, handedBack } = openCounted('b.bin')
  const got: Buffer[] = []
  await pipeline(new FileBody(fd, 0, SIZE - 1, identity, true, done), new Writable({
    highWaterMark: 1,
    write (chunk: Buffer, _enc, done) { got.push(chunk); setImmediate(done) }
  }))
  t.equal(sha(Buffer.concat(got)), sha(b))
  t.equal(handedBack(), 1)
})

t.test('destroyed while a read is in flight, a FileBody hands its descriptor back once, after the read', async (t) => {
  const { fd, identity, done, handedBack } = openCounted('a.bin')
  const body = new FileBody(fd, 0, SIZE - 1, identity, true, done)
  body.read(0) // starts a read (synchronously calls _read)
  body.destroy()
  t.equal(handedBack(), 0, 'not while the read still uses the descriptor')
  await new Promise((resolve) => body.once('close', resolve))
  t.equal(handedBack(), 1)
  t.throws(() => fstatSync(fd), { code: 'EBADF' })
})
