import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeFixture, startApp } from '../helpers/app.js'
import { parseMultipart, request } from '../helpers/http.js'

const fx = makeFixture()
t.teardown(fx.remove)
writeFileSync(join(fx.root, 'one.bin'), 'x')

function boundaryOf (contentType: string | undefined): string {
  const m = /^multipart\/byteranges; boundary=(.+)$/.exec(contentType ?? '')
  if (m === null) throw new Error(`not multipart/byteranges: ${contentType}`)
  return m[1]!
}

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
