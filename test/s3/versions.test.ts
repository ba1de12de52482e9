// Objects that change while they are served, against a real OpenStack Swift (test/helpers/swift.ts):
// every GET carries If-Match with the HEAD's ETag, so an object overwritten or deleted between the
// HEAD and the GET is found out by the store (412, 404). Before our headers: HEADed again and served
// as the new version, or a 404; after them (between the parts of a multipart answer): the connection
// is cut, never two versions spliced into one body.
import t, { type Test } from 'tap'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ByteRange, DownloadOptions, DownloadOutcome, OpenOptions, RangedSource } from '../../lib/index.js'
import { s3Store, type S3Object } from '../../lib/s3/index.js'
import { appWith } from '../helpers/app.js'
import { parseMultipart, request } from '../helpers/http.js'
import { waitFor } from '../helpers/lifecycle.js'
import { startSwift, type SwiftStore } from '../helpers/swift.js'

t.setTimeout(300_000)

const swift = await startSwift(t)
if (swift !== undefined) await suite(swift)

interface Received {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
  /** The whole body came: the response ended as its framing said, not with the connection cut. */
  complete: boolean
}

/** A GET over a real socket that collects whatever arrives, also when the connection is cut mid-body. */
function receive (base: string, path: string, headers: Record<string, string> = {}): Promise<Received> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(base + path, { agent: false, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', () => {}) // 'aborted': seen below as complete === false
      res.on('close', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), complete: res.complete }))
    })
    req.on('error', reject)
    req.end()
  })
}

const quotedMd5 = (bytes: Buffer): string => `"${createHash('md5').update(bytes).digest('hex')}"`

async function suite (s: SwiftStore): Promise<void> {
  t.comment(`swift up in ${s.startupMs} ms`)
  const OLD_SIZE = 100 * 1024
  const store = s3Store({
    endpoint: s.endpoint,
    region: s.region,
    bucket: s.bucket,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    forcePathStyle: true
  })

  /** The requests the proxy logged for `key` with `method` (and `status`). */
  const logged = (method: string, key: string, status?: number): number => {
    const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    const text = readFileSync(join(s.dir, 'proxy.err'), 'utf8')
    const line = new RegExp(` ${method} /${escape(s.bucket)}/${escape(key)} HTTP/1\\.[01] ${status ?? '\\d{3}'} `, 'g')
    return text.match(line)?.length ?? 0
  }
  /** Asserts the proxy logged `count` such requests (a line is written as the store's answer ends: it may trail ours). */
  const storeSaw = async (t: Test, count: number, method: string, key: string, status: number | undefined, what: string): Promise<void> => {
    await waitFor(() => logged(method, key, status) >= count, 3000)
    await new Promise((resolve) => setTimeout(resolve, 50))
    t.equal(logged(method, key, status), count, what)
  }

  // What each key turns into between the route's HEAD and its download(): new bytes, or gone (null).
  const changes = new Map<string, Buffer | null>()
  // A third version, put after the reload's HEAD and before its GET.
  const thirdVersions = new Map<string, Buffer>()
  const outcomes = new Map<string, DownloadOutcome>()
  const keyOf = (req: FastifyRequest): string => (req.params as Record<string, string>)['*']!
  const recorded = (key: string): DownloadOptions => ({ cleanup: (outcome) => { outcomes.set(key, outcome) } })
  const change = async (key: string): Promise<void> => {
    const next = changes.get(key)
    if (next === null) await s.remove(key)
    else if (next !== undefined) await s.put(key, next)
  }
  const sourceOf = async (key: string): Promise<S3Object> => {
    const object = await store.source(key)
    if (object === null) throw new Error(`${key} is not in the bucket`)
    return object
  }

  const root = mkdtempSync(join(tmpdir(), 'fdl-s3-versions-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  const base = await appWith(t, root, (app) => {
    app.get('/s3/*', async (req, reply) => reply.download(await sourceOf(keyOf(req))))
    // HEAD, then the change, then download(): the GET the plugin makes finds another version.
    app.get('/changed/*', async (req: FastifyRequest, reply: FastifyReply) => {
      const key = keyOf(req)
      const object = await sourceOf(key)
      await change(key)
      return reply.download(object, recorded(key))
    })
    // The same, and the version the reload found changes again before its GET.
    app.get('/changed-twice/*', async (req: FastifyRequest, reply: FastifyReply) => {
      const key = keyOf(req)
      const object = await sourceOf(key)
      await change(key)
      const source: RangedSource = {
        ...object,
        reload: async (options: OpenOptions) => {
          // S3Object inherits RangedSource's optional reload, though the store always gives one.
          const fresh = await object.reload!(options)
          await s.put(key, thirdVersions.get(key)!)
          return fresh
        }
      }
      return reply.download(source, recorded(key))
    })
    // The change comes after the first part's GET resolved, before the second part's.
    app.get('/midway/*', async (req: FastifyRequest, reply: FastifyReply) => {
      const key = keyOf(req)
      const object = await sourceOf(key)
      let opens = 0
      const source: RangedSource = {
        ...object,
        open: async (range?: ByteRange, options?: OpenOptions) => {
          if (++opens === 2) await change(key)
          return await object.open(range, options)
        }
      }
      return reply.download(source, recorded(key))
    })
  })
  const path = (prefix: string, key: string): string => `/${prefix}/${key.split('/').map(encodeURIComponent).join('/')}`
  const sameBytes = (t: Test, actual: Buffer, expected: Buffer, what: string): void => {
    t.ok(actual.equals(expected), `${what}: exactly the bytes (${actual.length} received, ${expected.length} expected)`)
  }
  let keys = 0
  /** A fresh key holding a fresh old version, and the new version it is to turn into (null: deleted). */
  const scenario = async (newSize: number | null): Promise<{ key: string, old: Buffer, oldEtag: string, next: Buffer | null, nextEtag: string }> => {
    const key = `versions/${++keys}.bin`
    const old = randomBytes(OLD_SIZE)
    const { etag: oldEtag } = await s.put(key, old)
    const next = newSize === null ? null : randomBytes(newSize)
    changes.set(key, next)
    return { key, old, oldEtag, next, nextEtag: next === null ? '' : quotedMd5(next) }
  }

  t.test('overwritten between HEAD and GET: HEADed again, the new version served whole', async (t) => {
    const { key, oldEtag, next, nextEtag } = await scenario(60 * 1024 + 7)
    const res = await request(base, path('changed', key))
    t.equal(res.status, 200)
    sameBytes(t, res.body, next!, 'the new version')
    t.equal(res.headers['content-length'], String(next!.length), "the new version's length")
    t.equal(res.headers.etag, nextEtag, "the new version's ETag (its MD5)")
    t.not(res.headers.etag, oldEtag)
    await storeSaw(t, 2, 'HEAD', key, undefined, 'two HEADs: the route\'s and the reload\'s')
    await storeSaw(t, 1, 'GET', key, 412, 'the first GET was refused by If-Match')
    await storeSaw(t, 1, 'GET', key, 200, 'the second GET read the new version')
    t.ok(await waitFor(() => outcomes.has(key)), 'cleanup ran')
    t.match(outcomes.get(key), { statusCode: 200, bytesSent: next!.length, aborted: false })
    t.notOk(outcomes.get(key)!.error, 'no error in the outcome')
  })

  t.test('overwritten between HEAD and GET: the Range and the preconditions are decided again for the new version', async (t) => {
    const suffix = await scenario(60 * 1024 + 7)
    const res = await request(base, path('changed', suffix.key), { headers: { range: 'bytes=-1000' } })
    t.equal(res.status, 206, 'bytes=-1000')
    const size = suffix.next!.length
    t.equal(res.headers['content-range'], `bytes ${size - 1000}-${size - 1}/${size}`, "the new version's last 1000 bytes")
    t.equal(res.headers['content-length'], '1000')
    t.equal(res.headers.etag, suffix.nextEtag)
    sameBytes(t, res.body, suffix.next!.subarray(size - 1000), 'bytes=-1000')

    const bounded = await scenario(60 * 1024 + 7)
    const middle = await request(base, path('changed', bounded.key), { headers: { range: 'bytes=1000-1999' } })
    t.equal(middle.status, 206, 'bytes=1000-1999')
    t.equal(middle.headers['content-range'], `bytes 1000-1999/${bounded.next!.length}`)
    sameBytes(t, middle.body, bounded.next!.subarray(1000, 2000), "bytes=1000-1999 of the new version, not the old's")

    // Satisfiable for the old 100 KiB, past the end of the new 60 KiB.
    const shrunk = await scenario(60 * 1024)
    const past = await request(base, path('changed', shrunk.key), { headers: { range: 'bytes=80000-80999' } })
    t.equal(past.status, 416, 'a range past the end of the new version')
    t.equal(past.headers['content-range'], `bytes */${60 * 1024}`, "the new version's size")

    const revalidated = await scenario(60 * 1024)
    const notModified = await request(base, path('changed', revalidated.key), { headers: { 'if-none-match': revalidated.nextEtag } })
    t.equal(notModified.status, 304, 'If-None-Match with the new ETag: the new version is the one the client has')
    t.equal(notModified.headers.etag, revalidated.nextEtag)
    t.equal(notModified.body.length, 0)

    const ifRange = await scenario(60 * 1024)
    const whole = await request(base, path('changed', ifRange.key), { headers: { range: 'bytes=0-9', 'if-range': ifRange.oldEtag } })
    t.equal(whole.status, 200, 'If-Range with the old ETag no longer matches: the whole new version')
    sameBytes(t, whole.body, ifRange.next!, 'If-Range with the old ETag')

    const guarded = await scenario(60 * 1024)
    const failed = await request(base, path('changed', guarded.key), { headers: { 'if-match': guarded.oldEtag } })
    t.equal(failed.status, 412, 'If-Match with the old ETag fails against the new version')
    t.equal(JSON.parse(failed.body.toString()).code, 'FST_DOWNLOADS_PRECONDITION_FAILED')
  })

  t.test('deleted between HEAD and GET: 404 FST_DOWNLOADS_NOT_FOUND', async (t) => {
    for (const headers of [{}, { range: 'bytes=0-99' }] as Array<Record<string, string>>) {
      const { key } = await scenario(null)
      const res = await request(base, path('changed', key), { headers })
      t.equal(res.status, 404, JSON.stringify(headers))
      t.same(JSON.parse(res.body.toString()), { statusCode: 404, code: 'FST_DOWNLOADS_NOT_FOUND', error: 'Not Found', message: 'File not found' }, "in Fastify's error format")
      t.notOk(res.headers['content-disposition'], 'no download headers')
      await storeSaw(t, 1, 'GET', key, 404, 'the GET found it gone')
      await storeSaw(t, 1, 'HEAD', key, 404, 'and so did the HEAD that followed')
      t.ok(await waitFor(() => outcomes.has(key)), 'cleanup ran')
      t.match(outcomes.get(key), { statusCode: 404, error: { code: 'FST_DOWNLOADS_NOT_FOUND' } })
    }
  })

  t.test('changed again after the reload: 503 FST_DOWNLOADS_FILE_CHANGED with Retry-After, no third HEAD', async (t) => {
    const { key, next } = await scenario(OLD_SIZE)
    const third = randomBytes(OLD_SIZE)
    thirdVersions.set(key, third)
    const res = await request(base, path('changed-twice', key))
    t.equal(res.status, 503)
    const body = JSON.parse(res.body.toString())
    t.equal(body.code, 'FST_DOWNLOADS_FILE_CHANGED')
    t.equal(body.statusCode, 503)
    t.equal(res.headers['retry-after'], '1', 'Retry-After: 1, as the README promises')
    t.notOk(res.body.includes(next!.subarray(0, 16)) || res.body.includes(third.subarray(0, 16)), 'no bytes of either version')
    await storeSaw(t, 2, 'HEAD', key, undefined, 'reloaded once, not in a loop')
    await storeSaw(t, 2, 'GET', key, 412, 'both GETs refused by If-Match')
    t.ok(await waitFor(() => outcomes.has(key)), 'cleanup ran')
    t.match(outcomes.get(key), { statusCode: 503, error: { code: 'FST_DOWNLOADS_FILE_CHANGED' } })
  })

  t.test('overwritten between the parts of a multipart answer: the connection is cut, no bytes of the new version', async (t) => {
    // The same size: a store without If-Match would answer the second range from the new version, and
    // its bytes would fit the old headers exactly.
    const { key, old, next } = await scenario(OLD_SIZE)
    const res = await receive(base, path('midway', key), { range: 'bytes=0-9,20-29' })
    t.equal(res.status, 206, 'the headers went out before the change')
    t.equal(res.complete, false, 'the response was cut, not ended')
    const boundary = /^multipart\/byteranges; boundary=([^;\s]+)$/.exec(String(res.headers['content-type']))?.[1]
    t.ok(boundary, `multipart (${res.headers['content-type']})`)
    const head = (range: string, first: boolean): string =>
      `${first ? '' : '\r\n'}--${boundary}\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes ${range}/${OLD_SIZE}\r\n\r\n`
    const oldBody = Buffer.concat([Buffer.from(head('0-9', true)), old.subarray(0, 10), Buffer.from(head('20-29', false)), old.subarray(20, 30), Buffer.from(`\r\n--${boundary}--\r\n`)])
    t.equal(res.headers['content-length'], String(oldBody.length), 'Content-Length of the old version\'s answer')
    t.ok(res.body.length < oldBody.length, `${res.body.length} of ${oldBody.length} bytes`)
    t.ok(res.body.equals(oldBody.subarray(0, res.body.length)), 'what came is a prefix of the old version\'s answer')
    t.ok(res.body.length >= Buffer.byteLength(head('0-9', true)) + 10, 'the first part came whole before the cut')
    t.notOk(res.body.includes(next!.subarray(20, 30)), 'the new version\'s bytes of the second range never came')
    await storeSaw(t, 1, 'GET', key, 206, 'the first part was read')
    await storeSaw(t, 1, 'GET', key, 412, 'the second part\'s GET was refused by If-Match')
    await storeSaw(t, 1, 'HEAD', key, undefined, 'no reload once the headers were out')
    t.ok(await waitFor(() => outcomes.has(key)), 'cleanup ran')
    const outcome = outcomes.get(key)!
    t.match(outcome, { statusCode: 206, aborted: true, error: { code: 'FST_DOWNLOADS_FILE_CHANGED' }, ranges: [{ start: 0, end: 9 }, { start: 20, end: 29 }] })
    t.ok(outcome.bytesSent < oldBody.length, `bytesSent ${outcome.bytesSent} < ${oldBody.length}`)

    t.equal((await request(base, '/ok')).body.toString(), 'still serving', 'the server goes on')
    const after = await request(base, path('s3', key), { headers: { range: 'bytes=0-9,20-29' } })
    const parts = parseMultipart(after.body, /boundary=(\S+)$/.exec(String(after.headers['content-type']))![1]!)
    sameBytes(t, Buffer.concat(parts.map((p) => p.body)), Buffer.concat([next!.subarray(0, 10), next!.subarray(20, 30)]), 'a new request gets the new version')
  })

  // The first range is opened before the multipart headers go out, so a change is reloaded here too.
  t.test('overwritten between HEAD and the first part\'s GET of a multipart answer: served as the new version', async (t) => {
    const { key, oldEtag, next, nextEtag } = await scenario(OLD_SIZE)
    const res = await receive(base, path('changed', key), { range: 'bytes=0-9,20-29' })
    t.comment(`status ${res.status}, complete ${res.complete}, ${res.body.length} bytes, ETag ${res.headers.etag} (old ${oldEtag}, new ${nextEtag})`)
    t.equal(res.status, 206)
    t.equal(res.complete, true, 'the response is whole, not cut')
    t.equal(res.headers.etag, nextEtag, "the new version's ETag")
    const boundary = /^multipart\/byteranges; boundary=([^;\s]+)$/.exec(String(res.headers['content-type']))?.[1]
    t.ok(boundary, 'a multipart answer')
    t.equal(res.headers['content-length'], String(res.body.length))
    const parts = parseMultipart(res.body, boundary!)
    sameBytes(t, Buffer.concat(parts.map((p) => p.body)), Buffer.concat([next!.subarray(0, 10), next!.subarray(20, 30)]), 'the new version\'s ranges')
    await waitFor(() => logged('GET', key) >= 1, 3000)
    await new Promise((resolve) => setTimeout(resolve, 200))
    t.equal(logged('GET', key, 412), 1, 'one GET refused by If-Match')
    t.equal(logged('HEAD', key), 2, 'HEADed again')
    t.equal(logged('GET', key, 206), 2, 'then one GET per range of the new version')
  })
}
