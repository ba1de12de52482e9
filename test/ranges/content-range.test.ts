// Content-Range, RFC 9110 section 14.4.
import t from 'tap'
import { contentRange, unsatisfiedRange } from '../../lib/http/content-range.js'

t.test('contentRange: range-resp = incl-range "/" complete-length', async (t) => {
  const cases: Array<[number, number, number, string]> = [
    // The examples of section 14.4.
    [42, 1233, 1234, 'bytes 42-1233/1234'],
    // Section 14.6: the parts of a multipart/byteranges example.
    [500, 999, 8000, 'bytes 500-999/8000'],
    [7000, 7999, 8000, 'bytes 7000-7999/8000'],
    [0, 0, 1, 'bytes 0-0/1'],
    [0, 9999, 10000, 'bytes 0-9999/10000'],
    [9500, 9999, 10000, 'bytes 9500-9999/10000'],
    // Beyond 2^32: byte positions are not 32-bit.
    [4294967296, 8589934591, 8589934592, 'bytes 4294967296-8589934591/8589934592']
  ]
  for (const [start, end, size, expected] of cases) t.equal(contentRange({ start, end }, size), expected, expected)
})

t.test('unsatisfiedRange: unsatisfied-range = "*/" complete-length', async (t) => {
  t.equal(unsatisfiedRange(1234), 'bytes */1234')
  t.equal(unsatisfiedRange(0), 'bytes */0')
  t.equal(unsatisfiedRange(8589934592), 'bytes */8589934592')
})
