// What s3Store() makes of answers a real store gives only when it misbehaves (a stall after the headers,
// a redirect, a 206 of other bytes, a HEAD without a length, a weak ETag, a stored Content-Type list),
// from a small stand-in on loopback that does not check signatures, and of bad credentials.
import { once } from 'node:events'
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { s3Store, clientSignal, type S3Store } from '../../lib/s3/index.js'
import { startApp } from '../helpers/app.js'
import { request } from '../helpers/http.js'
import { logCapture } from '../helpers/logs.js'
import { waitFor } from '../helpers/lifecycle.js'

const BYTES = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz')
type Handler = (req: IncomingMessage, res: ServerResponse) => void
const seen: Array<{ method: string, url: string, ifMatch: string | undefined, range: string | undefined }> = []
const handlers = new Map<string, Handler>()

// The stand-in: HEAD /bucket/<key> and GET /bucket/<key>, each key's answer given by its handler.
const fake = createServer((req, res) => {
  seen.push({ method: req.method!, url: req.url!, ifMatch: req.headers['if-match'], range: req.headers.range })
  const key = decodeURIComponent(req.url!.split('?')[0]!.replace(/^\/bucket\//, ''))
  const handler = handlers.get(key)
  if (handler === undefined) { res.writeHead(404).end(); return }
  handler(req, res)
})
fake.listen(0, '127.0.0.1')
await once(fake, 'listening')
t.teardown(() => { fake.closeAllConnections(); fake.close() })
const endpoint = `http://127.0.0.1:${(fake.address() as { port: number }).port}`
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'fake-secret' }
const makeStore = (timeout = 30_000): S3Store => s3Store({ endpoint, region: 'us-east-1', bucket: 'bucket', credentials, forcePathStyle: true, timeout })

/** A well-behaved object, with header overrides for the HEAD and the GET. */
function object (head: Record<string, string> = {}, get: Handler | undefined = undefined): Handler {
  return (req, res) => {
    const base = { 'content-length': String(BYTES.length), etag: '"e1"', 'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT', ...head }
    if (req.method === 'HEAD') { res.writeHead(200, base).end(); return }
    if (get !== undefined) { get(req, res); return }
    const match = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')
    if (match === null) { res.writeHead(200, { ...base }).end(BYTES); return }
    const [start, end] = [Number(match[1]), Number(match[2])]
    res.writeHead(206, { ...base, 'content-length': String(end - start + 1), 'content-range': `bytes ${start}-${end}/${BYTES.length}` }).end(BYTES.subarray(start, end + 1))
  }
}

async function app (t: Test, store: S3Store, options = {}): Promise<{ base: string, logs: ReturnType<typeof logCapture> }> {
  const root = mkdtempSync(join(tmpdir(), 'fdl-s3-answers-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  const logs = logCapture()
  const { app, base } = await startApp(root, {}, { logger: { stream: logs.stream, level: 'info' } }, (app) => {
    app.get('/o/*', async (req, reply) => {
      const found = await store.source((req.params as Record<string, string>)['*']!, { signal: clientSignal(reply), required: true })
      return reply.inline(found, options)
    })
  })
  t.teardown(() => app.close())
  return { base, logs }
}

const code = (body: Buffer): string => (JSON.parse(body.toString()) as { code: string }).code

t.test('a store that sends its headers and then stalls: 502 FST_DOWNLOADS_STORE_TIMEOUT, the deadline covers the first byte', async (t) => {
  handlers.set('stall', object({}, (_req, res) => { res.writeHead(200, { 'content-length': String(BYTES.length), etag: '"e1"' }); res.flushHeaders() }))
  const { base } = await app(t, makeStore(400))
  const started = Date.now()
  const res = await request(base, '/o/stall')
  t.equal(res.status, 502)
  t.equal(code(res.body), 'FST_DOWNLOADS_STORE_TIMEOUT')
  t.ok(Date.now() - started < 3000, `answered in ${Date.now() - started} ms, not when the store's socket times out`)
})

t.test('answers that do not fit the request are 502 FST_DOWNLOADS_STORE_ERROR', async (t) => {
  handlers.set('moved', object({}, (_req, res) => { res.writeHead(307, { location: 'http://127.0.0.1:9/elsewhere' }).end() }))
  handlers.set('other-range', object({}, (_req, res) => {
    res.writeHead(206, { 'content-length': '5', 'content-range': `bytes 0-4/${BYTES.length}`, etag: '"e1"' }).end(BYTES.subarray(0, 5))
  }))
  handlers.set('no-length', (req, res) => {
    if (req.method === 'HEAD') { res.writeHead(200, { etag: '"e1"', 'transfer-encoding': 'chunked' }).end(); return }
    res.writeHead(200).end(BYTES)
  })
  const { base } = await app(t, makeStore())
  const moved = await request(base, '/o/moved')
  t.equal(moved.status, 502, 'a redirect is not followed')
  t.equal(code(moved.body), 'FST_DOWNLOADS_STORE_ERROR')
  t.notOk(seen.some((r) => r.url === '/elsewhere'), 'nothing went to the redirect target')
  const other = await request(base, '/o/other-range', { headers: { range: 'bytes=10-14' } })
  t.equal(other.status, 502, 'a 206 of other bytes than asked is refused')
  t.equal(code(other.body), 'FST_DOWNLOADS_STORE_ERROR')
  const noLength = await request(base, '/o/no-length')
  t.equal(noLength.status, 502, 'a HEAD without a length')
  t.equal(code(noLength.body), 'FST_DOWNLOADS_STORE_ERROR')
})

t.test('a weak ETag: the GET goes without If-Match (a strong comparison it could never pass)', async (t) => {
  handlers.set('weak', object({ etag: 'W/"w1"' }))
  const { base } = await app(t, makeStore())
  seen.length = 0
  const res = await request(base, '/o/weak', { headers: { range: 'bytes=0-3' } })
  t.equal(res.status, 206)
  t.equal(res.body.toString(), '0123')
  t.equal(res.headers.etag, 'W/"w1"', 'the weak validator is still sent')
  const get = seen.find((r) => r.method === 'GET')
  t.equal(get?.ifMatch, undefined, 'no If-Match')
  t.equal(get?.range, 'bytes=0-3')
})

t.test("a store's Content-Type is used only when it is one well-formed media type", async (t) => {
  handlers.set('listed-type', object({ 'content-type': 'text/plain, text/html' }))
  handlers.set('one-type', object({ 'content-type': 'text/html' }))
  const { base } = await app(t, makeStore())
  const list = await request(base, '/o/listed-type')
  t.equal(list.headers['content-type'], 'application/octet-stream', 'a list (which a browser reads as text/html) is dropped')
  const html = await request(base, '/o/one-type')
  t.equal(html.headers['content-type'], 'text/html', 'a single type is kept')
  t.equal(html.headers['content-security-policy'], 'sandbox', 'and HTML shown inline is sandboxed')
})

t.test('a stored Content-Encoding: sent on with the stored bytes, and fetch is asked not to decode them', async (t) => {
  const { gzipSync } = await import('node:zlib')
  const packed = gzipSync(BYTES)
  handlers.set('packed', (req, res) => {
    const headers = { 'content-length': String(packed.length), etag: '"g1"', 'content-type': 'application/json', 'content-encoding': 'gzip' }
    if (req.method === 'HEAD') { res.writeHead(200, headers).end(); return }
    // As S3 and Swift do: response-content-encoding replaces the stored header in the answer.
    const override = new URL(req.url!, 'http://x').searchParams.get('response-content-encoding')
    res.writeHead(200, { ...headers, 'content-encoding': override ?? 'gzip' }).end(packed)
  })
  const { base } = await app(t, makeStore())
  const res = await request(base, '/o/packed')
  t.equal(res.status, 200)
  t.equal(res.headers['content-encoding'], 'gzip')
  t.equal(res.headers['content-length'], String(packed.length))
  t.same(res.body, packed, 'the stored (gzip) bytes, whole')
})

t.test('a client that leaves during the HEAD: logged at info (499), not as a 500 error', async (t) => {
  let release: (() => void) | undefined
  handlers.set('slow-head', (_req, res) => { release = () => res.writeHead(200, { 'content-length': '1', etag: '"e"' }).end() })
  const { base, logs } = await app(t, makeStore())
  const req = httpRequest(`${base}/o/slow-head`, { agent: false })
  req.on('error', () => {})
  req.end()
  t.ok(await waitFor(() => release !== undefined), 'the HEAD arrived')
  req.destroy()
  t.ok(await waitFor(() => logs.lines.some((l) => (l.err as { code?: string } | undefined)?.code === 'FST_DOWNLOADS_CLIENT_GONE')), 'the abort was logged')
  release!()
  const line = logs.lines.find((l) => (l.err as { code?: string } | undefined)?.code === 'FST_DOWNLOADS_CLIENT_GONE')!
  t.equal(line.level, 30, 'at info')
  t.notOk(logs.lines.some((l) => l.level >= 50), 'no error line')
})

t.test('multipart: the download signal does not gather a listener per part', async (t) => {
  handlers.set('parts', object())
  const { base } = await app(t, makeStore())
  const warnings: Error[] = []
  const onWarning = (w: Error): void => { warnings.push(w) }
  process.on('warning', onWarning)
  t.teardown(() => process.off('warning', onWarning))
  const ranges = Array.from({ length: 15 }, (_, i) => `${i * 2}-${i * 2}`).join(',')
  const res = await request(base, '/o/parts', { headers: { range: `bytes=${ranges}` } })
  t.equal(res.status, 206)
  await new Promise((resolve) => setImmediate(resolve))
  t.notOk(warnings.some((w) => w.name === 'MaxListenersExceededWarning'), 'no MaxListenersExceededWarning for 15 parts')
})

t.test('credentials with a space or a control character are refused when the store is made, without their value', async (t) => {
  for (const bad of [{ accessKeyId: 'AKID\n', secretAccessKey: 's' }, { accessKeyId: 'AKID', secretAccessKey: 'secret-value\n' }, { accessKeyId: 'AKID', secretAccessKey: 's', sessionToken: 'a b' }]) {
    const err = (() => { try { s3Store({ region: 'us-east-1', bucket: 'b', credentials: bad }); return undefined } catch (e) { return e as Error & { code: string } } })()
    t.equal(err?.code, 'FST_DOWNLOADS_INVALID_OPTION', JSON.stringify(Object.keys(bad)))
    t.notMatch(err?.message ?? '', /secret-value|AKID\n/, 'the message does not quote the credential')
  }
})

t.test('metadataMaxAge: a HEAD stands in for the next downloads of the key; the bytes stay exact', async (t) => {
  let version = 1
  const bodyOf = (): Buffer => Buffer.from(`version ${version} of the object`)
  handlers.set('cached', (req, res) => {
    const headers = { 'content-length': String(bodyOf().length), etag: `"v${version}"` }
    if (req.method === 'HEAD') { res.writeHead(200, headers).end(); return }
    if (req.headers['if-match'] !== undefined && req.headers['if-match'] !== `"v${version}"`) { res.writeHead(412).end(); return }
    res.writeHead(200, headers).end(bodyOf())
  })
  const store = s3Store({ endpoint, region: 'us-east-1', bucket: 'bucket', credentials, forcePathStyle: true, metadataMaxAge: 60_000 })
  const { base } = await app(t, store)
  const heads = (): number => seen.filter((r) => r.method === 'HEAD' && r.url === '/bucket/cached').length
  seen.length = 0
  t.equal((await request(base, '/o/cached')).body.toString(), 'version 1 of the object')
  t.equal((await request(base, '/o/cached')).body.toString(), 'version 1 of the object')
  t.equal(heads(), 1, 'one HEAD for two downloads')
  version = 2
  const changed = await request(base, '/o/cached')
  t.equal(changed.body.toString(), 'version 2 of the object', 'a changed object: the GET fails If-Match, the key is HEADed again')
  t.equal(changed.headers.etag, '"v2"')
  t.equal(heads(), 2)
  t.equal((await request(base, '/o/cached')).headers.etag, '"v2"', 'and the fresh HEAD is the one kept')
  t.equal(heads(), 2)
  handlers.delete('cached')
  const gone = await request(base, '/o/cached')
  t.equal(gone.status, 404, 'deleted meanwhile: a 404 once its GET fails')
  t.equal(heads(), 3)
  t.throws(() => s3Store({ region: 'us-east-1', bucket: 'b', credentials, metadataMaxAge: -1 }), { code: 'FST_DOWNLOADS_INVALID_OPTION' })
})

t.test('without metadataMaxAge every source() HEADs', async (t) => {
  handlers.set('uncached', object())
  const { base } = await app(t, makeStore())
  seen.length = 0
  await request(base, '/o/uncached')
  await request(base, '/o/uncached')
  t.equal(seen.filter((r) => r.method === 'HEAD').length, 2)
})
