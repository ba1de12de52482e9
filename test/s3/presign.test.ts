// s3Store().presign() against a real Swift, fetched with curl: the object's bytes, the disposition built
// by the plugin's encoder (Swift applies response-content-disposition), the other response-* overrides,
// keys that need percent-encoding, expiry and tampering refused by the store, the options refused by
// the plugin, and redirect mode (303 to the URL, curl -L following it).
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { contentDisposition } from '../../lib/http/disposition.js'
import { s3Store } from '../../lib/s3/index.js'
import { startApp } from '../helpers/app.js'
import { findProgram, missingProgram, run } from '../helpers/clients.js'
import { request } from '../helpers/http.js'
import { startSwift, type SwiftStore } from '../helpers/swift.js'

t.setTimeout(120_000)

const curl = await findProgram('curl')
if (curl === undefined) {
  missingProgram(t, 'curl', 'apt-get install curl')
} else {
  const swift = await startSwift(t)
  if (swift !== undefined) await suite(swift, curl)
}

interface Fetched {
  /** Every response curl saw, in order (one per redirect followed). */
  responses: Array<{ status: number, headers: Record<string, string> }>
  status: number
  headers: Record<string, string>
  body: Buffer
}

async function suite (s: SwiftStore, curl: string): Promise<void> {
  t.comment(`swift up in ${s.startupMs} ms`)
  const dir = mkdtempSync(join(tmpdir(), 'fdl-s3-presign-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  let n = 0
  /** `curl -sS -D - -o <file> [more] <url>`: the headers of every response, and the body of the last. */
  const get = async (url: string, ...more: string[]): Promise<Fetched> => {
    const out = join(dir, `body-${++n}`)
    const { stdout } = await run(curl, ['-sS', '-D', '-', '-o', out, ...more, url])
    const responses: Fetched['responses'] = []
    for (const block of stdout.split(/\r\n\r\n/).filter((b) => b.trim() !== '')) {
      const [statusLine, ...lines] = block.split('\r\n')
      const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(statusLine!)?.[1])
      const headers: Record<string, string> = {}
      for (const line of lines) {
        const colon = line.indexOf(':')
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
      }
      responses.push({ status, headers })
    }
    const last = responses.at(-1)!
    let body = Buffer.alloc(0)
    try { body = readFileSync(out) } catch {}
    return { responses, status: last.status, headers: last.headers, body }
  }

  const KEY = 'reports/2026/q3.pdf'
  const BYTES = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(64 * 1024)])
  await s.put(KEY, BYTES, 'application/octet-stream')
  const NAME = 'Q3 réport ✓.pdf'
  const store = s3Store({ endpoint: s.endpoint, region: s.region, bucket: s.bucket, forcePathStyle: true, credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } })

  t.test('the bytes, with the disposition the plugin encodes (attachment and inline)', async (t) => {
    for (const disposition of ['attachment', 'inline'] as const) {
      const url = await store.presign(KEY, { disposition, filename: NAME })
      t.notOk(url.includes(s.secretAccessKey), 'the URL does not hold the secret')
      const res = await get(url)
      t.equal(res.status, 200, `${disposition}: 200`)
      t.ok(res.body.equals(BYTES), `${disposition}: the exact object bytes (${res.body.length} of ${BYTES.length})`)
      t.equal(res.headers['content-disposition'], contentDisposition(disposition, NAME), `${disposition}: Content-Disposition is the plugin's encoding`)
      t.equal(res.headers['content-length'], String(BYTES.length))
    }
    t.equal(contentDisposition('attachment', NAME), 'attachment; filename="Q3 report _.pdf"; filename*=UTF-8\'\'Q3%20r%C3%A9port%20%E2%9C%93.pdf',
      'the encoding being checked: an ASCII fallback and the RFC 8187 name')

    // A filename alone means attachment; a disposition alone names the key's last segment.
    const named = await get(await store.presign(KEY, { filename: NAME }))
    t.equal(named.headers['content-disposition'], contentDisposition('attachment', NAME), 'a filename alone: attachment')
    const inline = await get(await store.presign(KEY, { disposition: 'inline' }))
    t.equal(inline.headers['content-disposition'], 'inline; filename="q3.pdf"', 'a disposition alone: the key\'s last segment')
    const bare = await store.presign(KEY)
    t.notOk(new URL(bare).searchParams.has('response-content-disposition'), 'neither: no response-content-disposition')
    t.equal((await get(bare)).headers['content-disposition'], undefined, 'neither: the store sends no Content-Disposition')
  })

  t.test('response-content-type and response-cache-control arrive', async (t) => {
    const url = await store.presign(KEY, { contentType: 'application/pdf', cacheControl: 'private, max-age=60' })
    const res = await get(url)
    t.equal(res.status, 200)
    t.equal(res.headers['content-type'], 'application/pdf', 'instead of the stored application/octet-stream')
    t.equal(res.headers['cache-control'], 'private, max-age=60')
    t.ok(res.body.equals(BYTES))
  })

  t.test('keys with spaces, non-ASCII and reserved characters', async (t) => {
    for (const key of ['with space/Résumé ✓ 2026.txt', 'plus+and%percent/x=y&z?.txt', "quote's (1)*!.bin", 'émoji/😀/file']) {
      const body = Buffer.from(`the object at ${key}`)
      await s.put(key, body)
      const res = await get(await store.presign(key, { filename: 'x.txt' }))
      t.equal(res.status, 200, `${key}: 200`)
      t.equal(res.body.toString(), body.toString(), `${key}: its bytes`)
    }
  })

  t.test('the store refuses an expired URL and a tampered signature', async (t) => {
    const expiring = await store.presign(KEY, { expiresIn: 1 })
    t.equal(new URL(expiring).searchParams.get('X-Amz-Expires'), '1')
    const fresh = await get(expiring)
    t.equal(fresh.status, 200, 'valid at once')
    await sleep(2500)
    const expired = await get(expiring)
    t.equal(expired.status, 403, 'refused 2.5 s later')
    t.match(expired.body.toString(), /<Code>AccessDenied<\/Code><Message>Request has expired<\/Message>/)

    const url = new URL(await store.presign(KEY, { filename: NAME }))
    const signature = url.searchParams.get('X-Amz-Signature')!
    t.match(signature, /^[0-9a-f]{64}$/)
    url.searchParams.set('X-Amz-Signature', (signature[0] === '0' ? '1' : '0') + signature.slice(1))
    const tampered = await get(url.href)
    t.equal(tampered.status, 403, 'a changed signature is refused')
    t.match(tampered.body.toString(), '<Code>SignatureDoesNotMatch</Code>')
    t.notOk(tampered.body.equals(BYTES))

    const other = new URL(await store.presign(KEY, { filename: NAME }))
    other.searchParams.set('response-content-disposition', 'attachment; filename="evil.exe"')
    t.equal((await get(other.href)).status, 403, 'a changed response-content-disposition is refused (it is signed)')
  })

  t.test('the plugin refuses invalid options and unaddressable keys before any request', async (t) => {
    for (const expiresIn of [0, -1, 604801, 1.5, Number.NaN]) {
      await t.rejects(store.presign(KEY, { expiresIn }), { code: 'FST_DOWNLOADS_INVALID_OPTION', message: /expiresIn/ }, `expiresIn ${expiresIn}`)
    }
    // A key no object can have (a client may have chosen it): a 404, as source() answers null for it.
    for (const key of ['a/../b', '../b', 'a/./b', '.', '', 'x'.repeat(1025), 'lone \ud800 surrogate']) {
      await t.rejects(store.presign(key), { code: 'FST_DOWNLOADS_NOT_FOUND', statusCode: 404 }, `key ${JSON.stringify(key.slice(0, 20))}`)
    }
    const longest = new URL(await store.presign(KEY, { expiresIn: 604800 }))
    t.equal(longest.searchParams.get('X-Amz-Expires'), '604800', '604800 s (7 days) is the longest accepted')
    t.equal((await get(longest.href)).status, 200)
  })

  t.test('the default expiry is 300 s', async (t) => {
    const url = new URL(await store.presign(KEY))
    t.equal(url.searchParams.get('X-Amz-Expires'), '300')
    t.equal(url.searchParams.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256')
    t.match(url.searchParams.get('X-Amz-Credential'), /^test:tester\/\d{8}\/us-east-1\/s3\/aws4_request$/)
    t.equal(url.origin + url.pathname, `${s.endpoint}/${s.bucket}/reports/2026/q3.pdf`, 'path-style')
  })

  t.test('redirect mode: a 303 to the presigned URL, followed by curl -L', async (t) => {
    const { app, base } = await startApp(dir, {}, {}, (app) => {
      app.get('/reports/*', async (req, reply) => {
        const key = (req.params as Record<string, string>)['*']!
        return reply.redirect(await store.presign(key, { filename: NAME, expiresIn: 60 }), 303)
      })
    })
    t.teardown(() => app.close())
    const res = await request(base, '/reports/' + KEY)
    t.equal(res.status, 303)
    const location = res.headers.location!
    const target = new URL(location)
    t.equal(target.origin + target.pathname, `${s.endpoint}/${s.bucket}/${KEY}`, 'Location is the presigned URL of the key')
    t.equal(target.searchParams.get('X-Amz-Expires'), '60')
    t.equal(target.searchParams.get('response-content-disposition'), contentDisposition('attachment', NAME))

    const followed = await get(base + '/reports/' + KEY, '-L')
    t.same(followed.responses.map((r) => r.status), [303, 200], 'curl followed the redirect')
    t.ok(followed.responses[0]!.headers.location?.startsWith(`${s.endpoint}/${s.bucket}/`), 'to the store')
    t.ok(followed.body.equals(BYTES), 'to the object bytes')
    t.equal(followed.headers['content-disposition'], contentDisposition('attachment', NAME))
  })
}
