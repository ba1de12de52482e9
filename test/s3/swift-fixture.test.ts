// The Swift fixture (test/helpers/swift.ts) against the real store: signed and presigned S3 requests,
// ranges, preconditions and the fixture's own controls. The assertions named "Swift ..." pin what
// Swift 2.30's S3 API does where S3 servers differ, so a Swift that changes them is noticed.
import t from 'tap'
import { createHash } from 'node:crypto'
import { connect } from 'node:net'
import { join } from 'node:path'
import { startSwift } from '../helpers/swift.js'
import { parseByteranges, writeRandomFile } from '../helpers/clients.js'

t.setTimeout(120_000)

const swift = await startSwift(t)
if (swift !== undefined) {
  const s = swift
  t.comment(`swift up in ${s.startupMs} ms (pids ${s.pids.join(', ')}, proxy on ${s.proxyPort})`)
  const KEY = 'dir/a b+ü.txt'
  const BODY = 'hello, swift world!'
  const MD5 = createHash('md5').update(BODY).digest('hex')
  const until = async (what: string, check: () => Promise<boolean>): Promise<void> => {
    for (let i = 0; i < 100; i++) {
      if (await check()) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`timed out waiting for ${what}`)
  }

  t.test('the store reads its swift.conf from the temporary folder', async (t) => {
    const res = await fetch(`${s.endpoint}/info`)
    const info = await res.json() as { swift: { policies: Array<{ name: string }> } }
    t.same(info.swift.policies.map((p) => p.name), ['gold'], 'the one policy is the fixture\'s "gold", not /etc/swift\'s')
  })

  t.test('put, then HEAD: ETag, Last-Modified, Content-Type', async (t) => {
    const before = Date.now()
    const { etag } = await s.put(KEY, BODY, 'text/plain; charset=utf-8')
    t.equal(etag, `"${MD5}"`, 'PUT answers the quoted MD5 as ETag')
    const head = await s.request(KEY, { method: 'HEAD' })
    t.equal(head.status, 200)
    t.equal(head.headers.etag, `"${MD5}"`, 'Swift: a HEAD\'s ETag is the quoted (strong) MD5')
    t.equal(head.headers['content-length'], String(BODY.length))
    t.equal(head.headers['content-type'], 'text/plain; charset=utf-8', 'the Content-Type given at PUT')
    const lastModified = head.headers['last-modified'] ?? ''
    t.match(lastModified, /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/, 'Last-Modified is an IMF-fixdate')
    const modified = Date.parse(lastModified)
    // Swift rounds the PUT's timestamp up to the next second, so Last-Modified can be later than Date.
    t.ok(modified >= Math.floor(before / 1000) * 1000 && modified <= Date.now() + 1000,
      `Swift: Last-Modified (${lastModified}) is the PUT's time rounded up to the second (Date: ${head.headers.date})`)

    await s.put('untyped', 'x')
    const untyped = await s.request('untyped', { method: 'HEAD' })
    t.equal(untyped.headers['content-type'], 'binary/octet-stream', 'Swift: no Content-Type at PUT gives binary/octet-stream')
  })

  t.test('signed GETs: suffix range, If-Match, multiple ranges, If-Range', async (t) => {
    const suffix = await s.request(KEY, { headers: { range: 'bytes=-5' } })
    t.equal(suffix.status, 206)
    t.equal(suffix.body.toString(), BODY.slice(-5), 'the last 5 bytes')
    t.equal(suffix.headers['content-range'], `bytes ${BODY.length - 5}-${BODY.length - 1}/${BODY.length}`)

    const stale = await s.request(KEY, { headers: { 'if-match': '"0123456789abcdef0123456789abcdef"' } })
    t.equal(stale.status, 412, 'a stale If-Match is 412')
    t.match(stale.body.toString(), '<Code>PreconditionFailed</Code>')
    const current = await s.request(KEY, { headers: { 'if-match': `"${MD5}"` } })
    t.equal(current.status, 200, 'the current ETag in If-Match is 200')

    const multi = await s.request(KEY, { headers: { range: 'bytes=0-1,5-6' } })
    t.equal(multi.status, 206, 'Swift: several ranges are honoured (AWS S3 documents that it does not support them)')
    const boundary = /^multipart\/byteranges;\s*boundary=(\S+)$/.exec(String(multi.headers['content-type']))?.[1]
    t.ok(boundary, `multipart/byteranges (${multi.headers['content-type']})`)
    const parts = parseByteranges(multi.body, boundary ?? '')
    t.same(parts.map((p) => [p.headers['content-range'], p.data.toString()]),
      [[`bytes 0-1/${BODY.length}`, 'he'], [`bytes 5-6/${BODY.length}`, ', ']], 'one part per range, in order')

    for (const ifRange of [`"${MD5}"`, '"0123456789abcdef0123456789abcdef"', 'Sun, 06 Nov 1994 08:49:37 GMT']) {
      const res = await s.request(KEY, { headers: { range: 'bytes=0-1', 'if-range': ifRange } })
      t.equal(res.status, 206, `Swift: If-Range is ignored, the Range applies (If-Range: ${ifRange})`)
    }

    const unsatisfiable = await s.request(KEY, { headers: { range: 'bytes=100-' } })
    t.equal(unsatisfiable.status, 416, 'a range past the end is 416')
    t.equal((await s.request('no/such/key')).status, 404, 'a missing key is 404')
  })

  t.test('a wrong secret is 403', async (t) => {
    const res = await s.request(KEY, { secretAccessKey: 'not-the-secret' })
    t.equal(res.status, 403)
    t.match(res.body.toString(), '<Code>SignatureDoesNotMatch</Code>')
  })

  t.test('presigned GET URLs, with plain fetch', async (t) => {
    const presign = async (params: Record<string, string>, key = KEY): Promise<string> => {
      const url = new URL(s.url(key))
      for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value)
      return (await s.client.sign(url.toString(), { aws: { signQuery: true } })).url
    }
    const url = await presign({ 'X-Amz-Expires': '60', 'response-content-disposition': 'attachment; filename="greeting.txt"' })
    const res = await fetch(url)
    t.equal(res.status, 200)
    t.equal(await res.text(), BODY)
    t.equal(res.headers.get('content-disposition'), 'attachment; filename="greeting.txt"', 'response-content-disposition is applied')
    t.equal(res.headers.get('etag'), `"${MD5}"`)

    const ranged = await fetch(url, { headers: { range: 'bytes=2-3' } })
    t.equal(ranged.status, 206, 'a presigned URL takes a Range header (range is not signed)')
    t.equal(await ranged.text(), BODY.slice(2, 4))

    const head = await fetch(url, { method: 'HEAD' })
    await head.arrayBuffer()
    t.equal(head.status, 403, 'a URL presigned for GET is refused for HEAD (the method is signed)')

    const expiring = await presign({ 'X-Amz-Expires': '1' })
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    const expired = await fetch(expiring)
    const text = await expired.text()
    t.equal(expired.status, 403, 'Swift: an expired presigned URL is 403')
    t.match(text, /<Code>AccessDenied<\/Code><Message>Request has expired<\/Message>/)
  })

  t.test('putFile streams a file; remove deletes', async (t) => {
    const file = join(s.dir, 'random.bin')
    const sha = await writeRandomFile(file, 3 * 1024 * 1024 + 17)
    const { etag, size } = await s.putFile('big/random.bin', file, 'application/octet-stream')
    t.equal(size, 3 * 1024 * 1024 + 17)
    t.match(etag, /^"[0-9a-f]{32}"$/)
    const res = await s.request('big/random.bin')
    t.equal(res.status, 200)
    t.equal(createHash('sha256').update(res.body).digest('hex'), sha, 'the same bytes come back')
    await s.remove('big/random.bin')
    t.equal((await s.request('big/random.bin')).status, 404, 'gone after remove')
    await s.remove('big/random.bin') // a missing key is no error
  })

  t.test('connections() counts a client connection while it is open', async (t) => {
    const before = await s.connections()
    const socket = connect(s.proxyPort, '127.0.0.1')
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject))
    await until('the connection to be counted', async () => await s.connections() === before + 1)
    t.pass(`one more while open (${before} + 1)`)
    socket.destroy()
    await until('the connection to be gone', async () => await s.connections() === before)
    t.pass('back when it closes')
  })

  t.test('stopProxy stops the proxy alone', async (t) => {
    const started = Date.now()
    await s.stopProxy()
    t.comment(`proxy stopped in ${Date.now() - started} ms`)
    t.throws(() => process.kill(s.proxyPid, 0), { code: 'ESRCH' }, 'the proxy is gone')
    for (const pid of s.pids.filter((pid) => pid !== s.proxyPid)) t.doesNotThrow(() => process.kill(pid, 0), `storage server ${pid} still runs`)
    await t.rejects(s.request(KEY), { code: 'ECONNREFUSED' }, 'nothing listens on the proxy port')
  })
}
