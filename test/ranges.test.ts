import t from 'tap'
import { utimesSync } from 'node:fs'
import { join } from 'node:path'
import { makeFixture, startApp } from './helpers/app.js'
import { parseMultipart, request } from './helpers/http.js'

const fx = makeFixture()
t.teardown(fx.remove)
const size = fx.big.length

t.test('single ranges (RFC 9110 section 14.1.2): bounded, open, suffix, clamped past the end', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  const cases: Array<[string, number, number]> = [
    ['bytes=0-99', 0, 99],
    ['bytes=1000-1000', 1000, 1000],
    [`bytes=${size - 500}-`, size - 500, size - 1],
    ['bytes=-500', size - 500, size - 1],
    [`bytes=-${size * 2}`, 0, size - 1],
    [`bytes=100-${size * 10}`, 100, size - 1],
    ['bytes = 5-9', 5, 9]
  ]
  for (const [range, start, end] of cases) {
    const res = await request(base, '/files/big.bin', { headers: { range } })
    t.equal(res.status, 206, range)
    t.equal(res.headers['content-range'], `bytes ${start}-${end}/${size}`, range)
    t.equal(res.headers['content-length'], String(end - start + 1), range)
    t.same(res.body, fx.big.subarray(start, end + 1), `${range} bytes`)
    t.equal(res.headers['content-type'], 'application/octet-stream')
    t.equal(res.headers['content-disposition'], 'attachment; filename="big.bin"')
  }
})

t.test('unsatisfiable ranges: 416 with Content-Range bytes */size, in Fastify error format', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0']) {
    const res = await request(base, '/files/big.bin', { headers: { range } })
    t.equal(res.status, 416, range)
    t.equal(res.headers['content-range'], `bytes */${size}`, range)
    const body = JSON.parse(res.body.toString())
    t.equal(body.statusCode, 416)
    t.equal(body.code, 'FST_DOWNLOADS_RANGE_NOT_SATISFIABLE')
    t.notOk(res.headers['content-disposition'], 'an error is not a download')
  }
  const empty = await request(base, '/files/empty.txt', { headers: { range: 'bytes=0-' } })
  t.equal(empty.status, 416)
  t.equal(empty.headers['content-range'], 'bytes */0')
})

t.test('malformed ranges and other units are ignored: 200 with the whole body', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  for (const range of ['bytes=abc', 'bytes=5-1', 'bytes=1x-5', 'items=0-5', 'bytes', 'bytes=', 'bytes=--5', 'bytes=0-5-6', 'bytes=0x10-20']) {
    const res = await request(base, '/files/big.bin', { headers: { range } })
    t.equal(res.status, 200, range)
    t.equal(res.body.length, size, range)
    t.notOk(res.headers['content-range'], range)
  }
})

t.test('several ranges: multipart/byteranges with CRLF, exact Content-Length, coalesced, in request order', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  const res = await request(base, '/files/big.bin', { headers: { range: 'bytes=70000-70099,0-9,5-19,20-29,-10' } })
  t.equal(res.status, 206)
  const type = res.headers['content-type']!
  const boundary = /^multipart\/byteranges; boundary=([^;\s]+)$/.exec(type)?.[1]
  t.ok(boundary, type)
  t.equal(res.headers['content-length'], String(res.body.length), 'Content-Length computed up front matches the body')
  t.notOk(res.headers['content-range'])
  const parts = parseMultipart(res.body, boundary!)
  // Merged where they overlap or touch; otherwise in the order asked (RFC 9110 section 15.3.7.2).
  const expected: Array<[number, number]> = [[70000, 70099], [0, 29], [size - 10, size - 1]]
  t.equal(parts.length, expected.length, 'overlapping and adjacent ranges merged')
  for (const [i, [start, end]] of expected.entries()) {
    t.equal(parts[i]!.headers['content-type'], 'application/octet-stream')
    t.equal(parts[i]!.headers['content-range'], `bytes ${start}-${end}/${size}`)
    t.same(parts[i]!.body, fx.big.subarray(start, end + 1))
  }
  const merged = await request(base, '/files/big.bin', { headers: { range: 'bytes=0-9,10-19' } })
  t.equal(merged.status, 206)
  t.equal(merged.headers['content-range'], `bytes 0-19/${size}`, 'adjacent ranges become one single-part answer')
})

t.test('abusive range sets are served whole, never more bytes than the file', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  const many = 'bytes=' + Array.from({ length: 200 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',')
  const tooMany = await request(base, '/files/big.bin', { headers: { range: many } })
  t.equal(tooMany.status, 200, 'more than maxRanges')
  t.equal(tooMany.body.length, size)
  const overlapping = await request(base, '/files/big.bin', { headers: { range: 'bytes=0-,0-,0-,0-' } })
  t.equal(overlapping.status, 200, 'ranges adding up to more than the file')
  t.equal(overlapping.body.length, size)
})

t.test('If-Range (RFC 9110 section 13.1.5): current strong ETag or exact date -> 206, else 200', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  const first = await request(base, '/files/big.bin')
  const etag = first.headers.etag!
  const lastModified = first.headers['last-modified']!
  const cases: Array<[string, number]> = [
    [etag, 206],
    [`W/${etag}`, 200],
    ['"something-else"', 200],
    [lastModified, 206],
    [new Date(fx.oldDate.getTime() + 1000).toUTCString(), 200],
    [new Date(fx.oldDate.getTime() - 1000).toUTCString(), 200],
    ['not a date', 200]
  ]
  for (const [ifRange, status] of cases) {
    const res = await request(base, '/files/big.bin', { headers: { range: 'bytes=0-9', 'if-range': ifRange } })
    t.equal(res.status, status, `If-Range: ${ifRange}`)
    t.equal(res.body.length, status === 206 ? 10 : size)
  }
})

t.test('If-Range with a date too fresh to be strong is not honoured', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  // A modification time ahead of the clock: Last-Modified is capped at the response's Date, so it is always
  // within a second of now, however slowly this machine gets from one request to the next.
  const ahead = new Date(Date.now() + 60_000)
  utimesSync(join(fx.root, 'noext'), ahead, ahead)
  const first = await request(base, '/files/noext')
  const res = await request(base, '/files/noext', { headers: { range: 'bytes=0-1', 'if-range': first.headers['last-modified']! } })
  t.equal(res.status, 200, 'Last-Modified within a second of now is a weak validator (RFC 9110 section 8.8.2.2)')
})
