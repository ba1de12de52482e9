// The wait for a stream source's first chunk: answered at once when the source pushes on read, by a
// promise otherwise, and a source that fails before its first byte is the plugin's 500 either way.
import t from 'tap'
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { firstChunk } from '../../lib/sources/stream.js'

t.test('a source that pushes on read is ready now, and loses no byte to the check', async (t) => {
  const stream = Readable.from(['a,b\n', '1,2\n'], { objectMode: false })
  t.equal(firstChunk(stream), undefined, 'no promise')
  t.equal(await text(stream), 'a,b\n1,2\n')
})

t.test('a source whose first chunk comes later is waited for', async (t) => {
  const stream = Readable.from((async function * () {
    await new Promise((resolve) => setTimeout(resolve, 10))
    yield 'late'
  })(), { objectMode: false })
  const ready = firstChunk(stream)
  t.ok(ready instanceof Promise)
  await ready
  t.ok(stream.readableLength > 0, 'resolved with the chunk buffered')
  t.equal(await text(stream), 'late')
})

t.test('an empty source resolves at its end', async (t) => {
  const stream = Readable.from([], { objectMode: false })
  await firstChunk(stream)
  t.equal(await text(stream), '')
})

t.test('a source that fails on its first read throws the plugin error at once, with no stray error event', async (t) => {
  const cause = new Error('gone')
  const stream = new Readable({ read () { this.destroy(cause) } })
  let thrown: unknown
  try {
    firstChunk(stream)
  } catch (err) {
    thrown = err
  }
  t.match(thrown, { code: 'FST_DOWNLOADS_SOURCE_FAILED', statusCode: 500, cause })
  // An 'error' event with no listener would crash the process; the test would not get here.
  await new Promise((resolve) => setImmediate(resolve))
  t.ok(stream.destroyed)
})

t.test('a source that fails later rejects with the plugin error', async (t) => {
  const cause = new Error('db down')
  const stream = Readable.from((async function * () {
    await new Promise((resolve) => setTimeout(resolve, 5))
    throw cause
  })(), { objectMode: false })
  await t.rejects(firstChunk(stream) as Promise<void>, { code: 'FST_DOWNLOADS_SOURCE_FAILED', cause })
})

t.test('a source destroyed with no error before its first byte is the plugin error too, never a hang', async (t) => {
  const gone = new Readable({ read () {} })
  gone.destroy()
  t.throws(() => firstChunk(gone), { code: 'FST_DOWNLOADS_SOURCE_FAILED', cause: { message: /destroyed before its first byte/ } })
  const later = new Readable({ read () {} })
  const ready = firstChunk(later)
  t.ok(ready instanceof Promise)
  setTimeout(() => later.destroy(), 5)
  await t.rejects(ready as Promise<void>, { code: 'FST_DOWNLOADS_SOURCE_FAILED', cause: { message: /destroyed before its first byte/ } })
})

t.test('a source that fails with an error whose code is a number (a DOMException AbortError) is a 500, not a crash', async (t) => {
  const late = new Readable({ read () {} })
  const ready = firstChunk(late)
  t.ok(ready instanceof Promise)
  late.destroy(new DOMException('The operation was aborted', 'AbortError'))
  await t.rejects(ready as Promise<void>, { code: 'FST_DOWNLOADS_SOURCE_FAILED', statusCode: 500 })
  const already = new Readable({ read () {} })
  already.on('error', () => {})
  already.destroy(new DOMException('The operation was aborted', 'AbortError'))
  await new Promise((resolve) => setImmediate(resolve))
  t.throws(() => firstChunk(already), { code: 'FST_DOWNLOADS_SOURCE_FAILED' }, 'also when it failed before the wait')
})
