// A ranged store's additions for object storage: the signal its reads get, a changed version reloaded
// once (or a 503), and the store's own media type below the caller's and the file name's.
import { once } from 'node:events'
import { request as httpRequest } from 'node:http'
import { Readable } from 'node:stream'
import t from 'tap'
import type { ByteRange, DownloadOutcome, OpenOptions, RangedSource } from '../../lib/index.js'
import { errorCodes } from '../../lib/index.js'
import { appWith, makeFixture } from '../helpers/app.js'
import { request } from '../helpers/http.js'
import { waitFor } from '../helpers/lifecycle.js'

/** The failure a store's GET with a stale If-Match turns into. */
const changed = async (): Promise<never> => { throw new errorCodes.FST_DOWNLOADS_FILE_CHANGED() }

t.test('a source whose version changed before the headers: reloaded once and served as the new version', async (t) => {
  const fixture = makeFixture()
  t.teardown(fixture.remove)
  const reloads = { count: 0 }
  const outcomes: DownloadOutcome[] = []
  const versions = [Buffer.from('version zero'), Buffer.from('the first new version')]
  const base = await appWith(t, fixture.root, (app) => {
    // The HEAD described version 0; the store holds version 1 by the time the GET goes out.
    app.get('/obj', (_req, reply) => reply.download({
      size: versions[0]!.length,
      etag: '"v0"',
      open: changed,
      reload: async () => {
        reloads.count++
        return { size: versions[1]!.length, etag: '"v1"', open: async (range?: ByteRange) => Readable.from([range === undefined ? versions[1]! : versions[1]!.subarray(range.start, range.end + 1)]) }
      }
    }, 'a.txt', { cleanup: (outcome) => { outcomes.push(outcome) } }))
    app.get('/gone', (_req, reply) => reply.download({
      size: 3, etag: '"x"', open: changed, reload: async () => null
    }, 'a.txt'))
    app.get('/no-reload', (_req, reply) => reply.download({
      size: 3, etag: '"x"', open: changed
    }, 'a.txt'))
    app.get('/changes-again', (_req, reply) => reply.download({
      size: 3,
      etag: '"x"',
      open: changed,
      reload: async () => { reloads.count++; return { size: 4, etag: '"y"', open: changed, reload: async () => { throw new Error('asked twice') } } }
    }, 'a.txt'))
  })

  const res = await request(base, '/obj')
  t.equal(res.status, 200)
  t.equal(res.body.toString(), 'the first new version', 'the new version, whole')
  t.equal(res.headers['content-length'], String(versions[1]!.length), 'its own length')
  t.equal(res.headers.etag, '"v1"', 'its own validator')
  t.equal(reloads.count, 1, 'reloaded once')

  // A Range made against the old version is decided again for the new one.
  reloads.count = 0
  const ranged = await request(base, '/obj', { headers: { range: 'bytes=-7' } })
  t.equal(ranged.status, 206)
  t.equal(ranged.body.toString(), 'version')
  t.equal(ranged.headers['content-range'], `bytes ${versions[1]!.length - 7}-${versions[1]!.length - 1}/${versions[1]!.length}`)

  // If-Range with the version the client had: the reloaded version fails it, so the whole body, and the outcome says no range.
  outcomes.length = 0
  const stale = await request(base, '/obj', { headers: { range: 'bytes=0-3', 'if-range': '"v0"' } })
  t.equal(stale.status, 200, 'If-Range of the old version: the new one whole')
  t.equal(stale.body.toString(), 'the first new version')
  t.ok(await waitFor(() => outcomes.length === 1), 'one outcome')
  t.equal(outcomes[0]?.range, undefined, "the outcome carries no range: the first decision's is gone")
  t.equal(outcomes[0]?.bytesSent, versions[1]!.length)

  const gone = await request(base, '/gone')
  t.equal(gone.status, 404, 'a version that is gone is a 404')
  t.equal(JSON.parse(gone.body.toString()).code, 'FST_DOWNLOADS_NOT_FOUND')

  const noReload = await request(base, '/no-reload')
  t.equal(noReload.status, 503, 'without reload(): a 503')
  t.equal(JSON.parse(noReload.body.toString()).code, 'FST_DOWNLOADS_FILE_CHANGED')

  reloads.count = 0
  const again = await request(base, '/changes-again')
  t.equal(again.status, 503, 'changed again after the reload: a 503, not a loop')
  t.equal(reloads.count, 1, 'reload() asked once only')
})

t.test("open() gets a signal that aborts when the client leaves mid-body, not after a download written to its end", async (t) => {
  const fixture = makeFixture()
  t.teardown(fixture.remove)
  const signals: AbortSignal[] = []
  const big = 64 * 1024 * 1024
  const base = await appWith(t, fixture.root, (app) => {
    app.get('/slow', (_req, reply) => reply.download({
      size: big,
      open: async (_range?: ByteRange, options?: OpenOptions) => {
        signals.push(options!.signal)
        let sent = 0
        return new Readable({
          read () {
            if (sent >= big) { this.push(null); return }
            const chunk = Buffer.alloc(64 * 1024)
            sent += chunk.length
            setTimeout(() => this.push(chunk), 1)
          }
        })
      }
    }, 'big.bin'))
    app.get('/small', (_req, reply) => reply.download({
      size: 5,
      open: async (_range?: ByteRange, options?: OpenOptions) => {
        signals.push(options!.signal)
        return Readable.from([Buffer.from('hello')])
      }
    }, 'small.bin'))
  })

  const req = httpRequest(base + '/slow', { agent: false })
  req.end()
  const [res] = await once(req, 'response')
  await once(res, 'data')
  t.equal(signals.length, 1)
  t.equal(signals[0]!.aborted, false, 'not aborted while the body flows')
  req.destroy()
  t.ok(await waitFor(() => signals[0]!.aborted), 'aborted once the client left')

  const small = await request(base, '/small')
  t.equal(small.body.toString(), 'hello')
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal(signals[1]!.aborted, false, 'a finished download read its source to the end: aborting would only cost a kept-alive connection')
})

t.test("Content-Type: the caller's mediaType, then the name's extension, then the store's own, then octet-stream", async (t) => {
  const fixture = makeFixture()
  t.teardown(fixture.remove)
  const source = (): RangedSource => ({ size: 2, mediaType: 'image/webp', filename: 'photo', open: () => Readable.from([Buffer.from('ab')]) })
  const base = await appWith(t, fixture.root, (app) => {
    app.get('/own', (_req, reply) => reply.download(source()))
    app.get('/named', (_req, reply) => reply.download(source(), 'photo.png'))
    app.get('/unknown-ext', (_req, reply) => reply.download(source(), 'photo.xyz123'))
    app.get('/option', (_req, reply) => reply.download(source(), 'photo.png', { mediaType: 'image/avif' }))
    app.get('/none', (_req, reply) => reply.download({ size: 2, open: () => Readable.from([Buffer.from('ab')]) }))
  })
  const type = async (path: string): Promise<string | undefined> => (await request(base, path)).headers['content-type'] as string | undefined
  t.equal(await type('/own'), 'image/webp', "no extension: the store's type")
  t.equal((await request(base, '/own')).headers['content-disposition'], 'attachment; filename="photo"', "the source's filename is the default name")
  t.equal(await type('/named'), 'image/png', "the name's extension wins over the store's type")
  t.equal(await type('/unknown-ext'), 'image/webp', "an extension mime does not know: the store's type")
  t.equal(await type('/option'), 'image/avif', 'the mediaType option wins over both')
  t.equal(await type('/none'), 'application/octet-stream', 'nothing known: octet-stream')
})
