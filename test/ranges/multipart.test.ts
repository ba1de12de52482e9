// multipart/byteranges layout: RFC 9110 section 14.6 and the multipart grammar of RFC 2046 section 5.1.1.
import t from 'tap'
import type { ByteRange } from '../../lib/conditional/range.js'
import { multipartLayout, newBoundary } from '../../lib/body/multipart.js'

/** A representation whose bytes never spell a boundary: lower-case letters only. */
function representation (size: number): Buffer {
  const out = Buffer.alloc(size)
  for (let i = 0; i < size; i++) out[i] = 0x61 + (i * 7 % 26)
  return out
}

/** The body a server streams from the layout: head, range bytes, ..., tail. */
function assemble (data: Buffer, ranges: readonly ByteRange[], layout: ReturnType<typeof multipartLayout>): Buffer {
  const chunks: Buffer[] = []
  ranges.forEach((range, i) => {
    chunks.push(layout.heads[i]!, data.subarray(range.start, range.end + 1))
  })
  chunks.push(layout.tail)
  return Buffer.concat(chunks)
}

t.test('multipartLayout: the example of RFC 9110 section 14.6, byte for byte', async (t) => {
  const data = representation(8000)
  const ranges = [{ start: 500, end: 999 }, { start: 7000, end: 7999 }]
  const boundary = 'THIS_STRING_SEPARATES'
  const layout = multipartLayout(ranges, 8000, 'application/pdf', boundary)
  const body = assemble(data, ranges, layout)

  const expected = Buffer.concat([
    Buffer.from('--THIS_STRING_SEPARATES\r\nContent-Type: application/pdf\r\nContent-Range: bytes 500-999/8000\r\n\r\n'),
    data.subarray(500, 1000),
    Buffer.from('\r\n--THIS_STRING_SEPARATES\r\nContent-Type: application/pdf\r\nContent-Range: bytes 7000-7999/8000\r\n\r\n'),
    data.subarray(7000, 8000),
    Buffer.from('\r\n--THIS_STRING_SEPARATES--')
  ])
  // RFC 2046: the close-delimiter may be followed by transport-padding and [CRLF epilogue].
  t.ok(body.subarray(0, expected.length).equals(expected), 'the body up to the close delimiter')
  const after = body.subarray(expected.length).toString('latin1')
  t.match(after, /^(?:[ \t]*\r\n)?$/, 'at most a CRLF after the close delimiter')
  t.equal(layout.length, body.length, 'length is the exact body length')
  t.equal(layout.boundary, boundary)
  t.equal(layout.heads.length, 2, 'one head per range')
})

interface Case {
  name: string
  size: number
  ranges: ByteRange[]
  contentType: string
}

const cases: Case[] = [
  { name: 'two ranges', size: 1000, ranges: [{ start: 0, end: 99 }, { start: 900, end: 999 }], contentType: 'text/plain; charset=utf-8' },
  { name: 'single-byte ranges', size: 10, ranges: [{ start: 0, end: 0 }, { start: 5, end: 5 }, { start: 9, end: 9 }], contentType: 'application/octet-stream' },
  {
    name: 'many ranges',
    size: 100000,
    ranges: Array.from({ length: 50 }, (_, i) => ({ start: i * 1000, end: i * 1000 + 10 })),
    contentType: 'video/mp4'
  },
  { name: 'one range (degenerate)', size: 100, ranges: [{ start: 10, end: 19 }], contentType: 'image/png' }
]

for (const c of cases) {
  t.test(`multipartLayout: ${c.name}`, async (t) => {
    const data = representation(c.size)
    const boundary = newBoundary()
    const layout = multipartLayout(c.ranges, c.size, c.contentType, boundary)
    const body = assemble(data, c.ranges, layout)
    t.equal(layout.length, body.length, 'length equals the bytes of the assembled body')
    t.equal(layout.heads.length, c.ranges.length, 'one head per range')

    // Every line end outside the parts' payloads is CRLF: no bare LF and no bare CR.
    const framing = [...layout.heads, layout.tail].map((b) => b.toString('latin1'))
    for (const text of framing) {
      t.notMatch(text, /(?<!\r)\n/, 'no LF without CR')
      t.notMatch(text, /\r(?!\n)/, 'no CR without LF')
    }

    const text = body.toString('latin1')
    const delimiter = `--${boundary}`
    t.ok(text.startsWith(`${delimiter}\r\n`), 'the body starts with the dash-boundary and CRLF')
    t.equal(text.split(`\r\n${delimiter}--`).length, 2, 'exactly one close delimiter')
    t.match(text.slice(text.lastIndexOf(`\r\n${delimiter}--`)), new RegExp(`^\\r\\n${delimiter}--(?:\\r\\n)?$`), 'it ends the body')
    t.equal(text.split(delimiter).length - 1, c.ranges.length + 1, 'the boundary appears once per part, plus the close delimiter')

    // Parse the body back: each part has the headers of its range and exactly its bytes.
    const parts = text.slice(0, text.lastIndexOf(`\r\n${delimiter}--`)).split(new RegExp(`(?:^|\\r\\n)${delimiter}\\r\\n`)).slice(1)
    t.equal(parts.length, c.ranges.length, 'one part per range')
    parts.forEach((part, i) => {
      const range = c.ranges[i]!
      const split = part.indexOf('\r\n\r\n')
      t.ok(split > 0, `part ${i}: headers end with an empty line`)
      const headers = part.slice(0, split).split('\r\n')
      t.strictSame(headers.sort(), [`Content-Range: bytes ${range.start}-${range.end}/${c.size}`, `Content-Type: ${c.contentType}`].sort(), `part ${i}: headers`)
      const payload = Buffer.from(part.slice(split + 4), 'latin1')
      t.ok(payload.equals(data.subarray(range.start, range.end + 1)), `part ${i}: exactly bytes ${range.start}-${range.end}`)
    })
  })
}

t.test('newBoundary: a valid boundary (RFC 2046 section 5.1.1) that differs on each call', async (t) => {
  const seen = new Set<string>()
  for (let i = 0; i < 100; i++) {
    const boundary = newBoundary()
    t.ok(boundary.length >= 1 && boundary.length <= 70, '1 to 70 characters')
    t.match(boundary, /^[0-9A-Za-z'()+_,\-./:=? ]*[0-9A-Za-z'()+_,\-./:=?]$/, 'bchars, not ending in a space')
    // Usable unquoted in the Content-Type parameter: a token.
    t.match(boundary, /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'a token')
    seen.add(boundary)
  }
  t.equal(seen.size, 100, 'no repeats')
})
