import t from 'tap'
import { utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeFixture, startApp } from '../helpers/app.js'
import { parseMultipart, request } from '../helpers/http.js'

const fx = makeFixture()
t.teardown(fx.remove)
const size = fx.big.length
writeFileSync(join(fx.root, 'one.bin'), 'x')

function boundaryOf (contentType: string | undefined): string {
  const m = /^multipart\/byteranges; boundary=(.+)$/.exec(contentType ?? '')
  if (m === null) throw new Error(`not multipart/byteranges: ${contentType}`)
  return m[1]!
}

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

t.test('a multipart 206 keeps its multipart/byteranges Content-Type, whatever extra headers the caller passes', async (t) => {
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.get('/typed', (_req, reply) => reply.download('alphabet.txt', 'a.pdf', { headers: { 'Content-Type': 'application/pdf' } }))
  })
  t.teardown(() => app.close())
  const res = await request(base, '/typed', { headers: { range: 'bytes=0-1,4-5' } })
  t.equal(res.status, 206)
  // RFC 9110 §15.3.7.2: "the server generating the 206 response MUST generate "multipart/byteranges" content ... and a Content-Type header field containing the multipart/byteranges media type and its required boundary parameter."
  t.match(res.headers['content-type'], /^multipart\/byteranges; boundary=/)
  t.equal(Number(res.headers['content-length']), res.body.length)
  // The single-range and 200 answers keep the caller's type.
  const single = await request(base, '/typed', { headers: { range: 'bytes=0-1' } })
  t.equal(single.headers['content-type'], 'application/pdf')
})

t.test('a range-spec whose numbers exceed 2^53 is still compared exactly: last-pos < first-pos is invalid, so ignored', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  // RFC 9110 §14.1.1: "A range-spec is invalid if the last-pos value is present and less than the first-pos." README: "A malformed header (`bytes=5-1`, ...): ignored, 200 with the whole body."
  for (const range of ['bytes=9007199254740993-9007199254740992', 'bytes=100000000000000000001-100000000000000000000']) {
    const res = await request(base, '/files/alphabet.txt', { headers: { range } })
    t.equal(res.status, 200, range)
    t.equal(res.body.toString(), fx.alphabet.toString(), range)
  }
})

t.test('huge but valid numbers: clamped or unsatisfiable, never a 500', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  const huge = '9'.repeat(400)
  // RFC 9110 §14.1.2: a last-pos at or past the end means the end; a suffix longer than the representation means all of it.
  for (const range of [`bytes=0-${huge}`, `bytes=-${huge}`, 'bytes=0-18446744073709551616']) {
    const res = await request(base, '/files/alphabet.txt', { headers: { range } })
    t.equal(res.status, 206, range.slice(0, 40))
    t.equal(res.headers['content-range'], 'bytes 0-25/26', range.slice(0, 40))
    t.equal(res.body.toString(), fx.alphabet.toString())
  }
  // RFC 9110 §15.5.17: no first-pos below the length -> 416 with "Content-Range: bytes */26".
  for (const range of [`bytes=${huge}-`, 'bytes=9007199254740993-']) {
    const res = await request(base, '/files/alphabet.txt', { headers: { range } })
    t.equal(res.status, 416, range.slice(0, 40))
    t.equal(res.headers['content-range'], 'bytes */26')
  }
})

t.test('a range list with OWS and empty members (RFC 9110 section 5.6.1)', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  // RFC 9110 §5.6.1: "a recipient MUST accept empty list elements" and OWS around commas.
  const res = await request(base, '/files/alphabet.txt', { headers: { range: 'bytes=0-1, ,\t4-5 ,' } })
  t.equal(res.status, 206)
  const parts = parseMultipart(res.body, boundaryOf(res.headers['content-type']))
  t.same(parts.map((p) => [p.headers['content-range'], p.body.toString()]), [['bytes 0-1/26', 'ab'], ['bytes 4-5/26', 'ef']])
  t.equal(Number(res.headers['content-length']), res.body.length)
})

t.test('multipart: exact Content-Length, each part with Content-Type and Content-Range, CRLF framing', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  for (const range of ['bytes=0-0,25-25', 'bytes=-1,0-0', 'bytes=10-12,0-2,20-', 'bytes=1-1,3-3,5-5,7-7']) {
    const res = await request(base, '/files/alphabet.txt', { headers: { range } })
    t.equal(res.status, 206, range)
    // RFC 9110 §8.6: Content-Length is the exact number of octets of the content.
    t.equal(Number(res.headers['content-length']), res.body.length, `${range} length`)
    t.notOk(res.headers['content-range'], `${range}: no Content-Range on the multipart message itself`)
    const parts = parseMultipart(res.body, boundaryOf(res.headers['content-type']))
    for (const part of parts) {
      const m = /^bytes (\d+)-(\d+)\/26$/.exec(part.headers['content-range'] ?? '')
      t.ok(m, `${range} part Content-Range ${part.headers['content-range']}`)
      t.equal(part.body.toString(), fx.alphabet.subarray(Number(m![1]), Number(m![2]) + 1).toString(), `${range} part bytes`)
      t.equal(part.headers['content-type'], 'text/plain; charset=utf-8')
    }
  }
})

t.test('ranges in descending order: every part present (order is a SHOULD, so not checked)', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  const res = await request(base, '/files/alphabet.txt', { headers: { range: 'bytes=20-21,10-11,0-1' } })
  t.equal(res.status, 206)
  const parts = parseMultipart(res.body, boundaryOf(res.headers['content-type']))
  t.same(parts.map((p) => p.headers['content-range']).sort(), ['bytes 0-1/26', 'bytes 10-11/26', 'bytes 20-21/26'])
})

t.test('a 1-byte and an empty file', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  for (const range of ['bytes=0-0', 'bytes=0-', 'bytes=-1', 'bytes=-5', 'bytes=0-99']) {
    const res = await request(base, '/files/one.bin', { headers: { range } })
    t.equal(res.status, 206, `one.bin ${range}`)
    t.equal(res.headers['content-range'], 'bytes 0-0/1', range)
    t.equal(res.headers['content-length'], '1', range)
    t.equal(res.body.toString(), 'x')
  }
  for (const range of ['bytes=1-', 'bytes=-0']) {
    const res = await request(base, '/files/one.bin', { headers: { range } })
    // RFC 9110 §14.1.1: a first-pos not below the length, or a zero suffix, is unsatisfiable; §15.5.17 Content-Range: bytes */length.
    t.equal(res.status, 416, `one.bin ${range}`)
    t.equal(res.headers['content-range'], 'bytes */1')
  }
  const empty = await request(base, '/files/empty.txt')
  t.equal(empty.status, 200)
  t.equal(empty.headers['content-length'], '0')
  // RFC 9110 §14.1.1: on an empty representation no first-pos is below the length: unsatisfiable (RFC 9110 §14.2 would also allow ignoring Range).
  const zero = await request(base, '/files/empty.txt', { headers: { range: 'bytes=0-' } })
  t.ok(zero.status === 416 || zero.status === 200, `bytes=0- on empty: ${zero.status}`)
  if (zero.status === 416) t.equal(zero.headers['content-range'], 'bytes */0')
  if (zero.status === 200) t.equal(zero.headers['content-length'], '0')
})

t.test('HEAD ignores Range and keeps the GET Content-Length', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  for (const range of ['bytes=0-1', 'bytes=0-1,4-5', 'bytes=999-']) {
    const res = await request(base, '/files/alphabet.txt', { method: 'HEAD', headers: { range } })
    // RFC 9110 §14.2: "For this specification, GET is the only method for which range handling is defined."
    t.equal(res.status, 200, range)
    t.equal(res.headers['content-length'], '26', range)
    t.notOk(res.headers['content-range'], range)
    t.equal(res.headers['accept-ranges'], 'bytes')
    t.equal(res.body.length, 0)
  }
})

t.test('416 answers: Content-Range with the current length, Fastify error JSON, no Content-Disposition', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  const res = await request(base, '/files/alphabet.txt', { headers: { range: 'bytes=26-30,40-' } })
  t.equal(res.status, 416)
  // RFC 9110 §15.5.17: "a server generating a 416 response to a byte-range request SHOULD generate a Content-Range header field specifying the current length"
  t.equal(res.headers['content-range'], 'bytes */26')
  t.notOk(res.headers['content-disposition'])
  t.same(JSON.parse(res.body.toString()), { statusCode: 416, code: 'FST_DOWNLOADS_RANGE_NOT_SATISFIABLE', error: 'Range Not Satisfiable', message: 'Range not satisfiable' })
})

t.test('throttle composes with multipart: same bytes, exact length', async (t) => {
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.get('/slow', (_req, reply) => reply.download('big.bin', { throttle: { bytesPerSecond: 100_000 } }))
  })
  t.teardown(() => app.close())
  const res = await request(base, '/slow', { headers: { range: 'bytes=0-99,50000-54999,-100' } })
  t.equal(res.status, 206)
  t.equal(Number(res.headers['content-length']), res.body.length)
  const parts = parseMultipart(res.body, boundaryOf(res.headers['content-type']))
  const want = [[0, 99], [50000, 54999], [fx.big.length - 100, fx.big.length - 1]]
  t.same(parts.map((p) => p.headers['content-range']), want.map(([s, e]) => `bytes ${s}-${e}/${fx.big.length}`))
  parts.forEach((p, i) => t.ok(p.body.equals(fx.big.subarray(want[i]![0], want[i]![1]! + 1)), `part ${i} bytes`))
})
