// parseRange and coalesce against RFC 9110 section 14.1.1 (grammar), 14.1.2 (byte ranges) and 14.2 (Range).
import t from 'tap'
import { coalesce, parseRange, type ByteRange, type RangeRequest } from '../../lib/conditional/range.js'
import { resolveOptions } from '../../lib/options.js'

const NONE: RangeRequest = { kind: 'none' }
const UNSATISFIABLE: RangeRequest = { kind: 'unsatisfiable' }
const ranges = (...list: Array<[number, number]>): RangeRequest =>
  ({ kind: 'ranges', ranges: list.map(([start, end]) => ({ start, end })) })

interface Case {
  name: string
  header: string | undefined
  size: number
  maxRanges?: number
  expected: RangeRequest
}

const cases: Case[] = [
  // §14.1.2 examples, on a representation of 10000 bytes.
  { name: 'first 500 bytes (0-499)', header: 'bytes=0-499', size: 10000, expected: ranges([0, 499]) },
  { name: 'second 500 bytes (500-999)', header: 'bytes=500-999', size: 10000, expected: ranges([500, 999]) },
  { name: 'suffix -500 is the final 500 bytes, not 0-500', header: 'bytes=-500', size: 10000, expected: ranges([9500, 9999]) },
  { name: 'open range 9500- is the final 500 bytes', header: 'bytes=9500-', size: 10000, expected: ranges([9500, 9999]) },
  { name: 'first and last byte (0-0,-1)', header: 'bytes=0-0,-1', size: 10000, expected: ranges([0, 0], [9999, 9999]) },
  { name: 'a single byte', header: 'bytes=42-42', size: 10000, expected: ranges([42, 42]) },
  { name: 'whole representation as 0-', header: 'bytes=0-', size: 10000, expected: ranges([0, 9999]) },

  // §14.1.2: last-pos past the end, and a suffix longer than the representation, are clamped.
  { name: 'last-pos past the end is clamped to size-1', header: 'bytes=9500-20000', size: 10000, expected: ranges([9500, 9999]) },
  { name: 'suffix longer than the representation is all of it', header: 'bytes=-20000', size: 10000, expected: ranges([0, 9999]) },
  { name: 'last-pos exactly size-1', header: 'bytes=0-9999', size: 10000, expected: ranges([0, 9999]) },
  { name: 'very large last-pos is clamped', header: 'bytes=100-99999999999999999999', size: 10000, expected: ranges([100, 9999]) },
  { name: 'leading zeros are digits', header: 'bytes=007-009', size: 10000, expected: ranges([7, 9]) },

  // §14.1.1: satisfiable only with first-pos < length, or a suffix-length > 0.
  { name: 'suffix -0 is unsatisfiable', header: 'bytes=-0', size: 10000, expected: UNSATISFIABLE },
  { name: 'first-pos at the length is unsatisfiable', header: 'bytes=10000-', size: 10000, expected: UNSATISFIABLE },
  { name: 'first-pos past the length is unsatisfiable', header: 'bytes=20000-30000', size: 10000, expected: UNSATISFIABLE },
  { name: 'several unsatisfiable ranges are unsatisfiable', header: 'bytes=10000-10001,-0', size: 10000, expected: UNSATISFIABLE },
  { name: 'one satisfiable range is enough; the others are dropped', header: 'bytes=20000-30000,0-9', size: 10000, expected: ranges([0, 9]) },
  { name: 'zero-length representation: 0- is unsatisfiable', header: 'bytes=0-', size: 0, expected: UNSATISFIABLE },
  { name: 'zero-length representation: -0 is unsatisfiable', header: 'bytes=-0', size: 0, expected: UNSATISFIABLE },

  // §14.1.1: an int-range with last-pos < first-pos is invalid; an invalid header is ignored (§14.2).
  { name: 'invalid 5-1 is ignored', header: 'bytes=5-1', size: 10000, expected: NONE },
  { name: 'a set with an invalid 5-1 is ignored', header: 'bytes=0-1,5-1', size: 10000, expected: NONE },
  { name: 'double dash is invalid', header: 'bytes=--5', size: 10000, expected: NONE },
  { name: 'three positions are invalid', header: 'bytes=1-2-3', size: 10000, expected: NONE },
  { name: 'sign is not a digit', header: 'bytes=+1-5', size: 10000, expected: NONE },
  { name: 'trailing garbage in first-pos is invalid (not read as 1-5)', header: 'bytes=1x-5', size: 10000, expected: NONE },
  { name: 'hexadecimal is invalid', header: 'bytes=0x10-20', size: 10000, expected: NONE },
  { name: 'fraction is invalid', header: 'bytes=1.5-2', size: 10000, expected: NONE },
  { name: 'negative-looking suffix with text is invalid', header: 'bytes=-abc', size: 10000, expected: NONE },
  { name: 'no dash is invalid', header: 'bytes=5', size: 10000, expected: NONE },
  { name: 'whitespace inside a range-spec is invalid', header: 'bytes=0 - 1', size: 10000, expected: NONE },
  { name: 'empty range-set is invalid', header: 'bytes=', size: 10000, expected: NONE },
  { name: 'only empty list elements is invalid (1#range-spec)', header: 'bytes=, ,', size: 10000, expected: NONE },
  { name: 'no "=" is invalid', header: 'bytes 0-1', size: 10000, expected: NONE },
  { name: 'empty header', header: '', size: 10000, expected: NONE },
  { name: 'absent header', header: undefined, size: 10000, expected: NONE },

  // §14.1: other range units are not understood and the header is ignored; unit names are case-insensitive.
  { name: 'another unit is ignored', header: 'items=0-1', size: 10000, expected: NONE },
  { name: 'a unit that starts with "bytes" is another unit', header: 'bytesx=0-1', size: 10000, expected: NONE },
  { name: 'unit name is case-insensitive', header: 'Bytes=0-1', size: 10000, expected: ranges([0, 1]) },
  { name: 'unit name in capitals', header: 'BYTES=0-1', size: 10000, expected: ranges([0, 1]) },

  // §5.6.1: OWS around commas, and empty list elements, are allowed.
  { name: 'OWS around commas', header: 'bytes=0-1 , 100-101,\t200-201', size: 10000, expected: ranges([0, 1], [100, 101], [200, 201]) },
  { name: 'empty list elements are skipped', header: 'bytes=0-1,,100-101,', size: 10000, expected: ranges([0, 1], [100, 101]) },

  // §14.2: a server MAY coalesce overlapping or adjacent ranges, and MAY ignore abusive sets.
  { name: 'overlapping ranges are coalesced', header: 'bytes=0-499,400-999', size: 10000, expected: ranges([0, 999]) },
  { name: 'adjacent ranges are coalesced', header: 'bytes=0-4,5-9', size: 10000, expected: ranges([0, 9]) },
  // RFC 9110 §15.3.7.2: parts SHOULD be in the order the range-specs appeared.
  { name: 'disjoint ranges keep the order they were asked in', header: 'bytes=500-599,0-99', size: 10000, expected: ranges([500, 599], [0, 99]) },
  { name: 'a merged range stands where its first member was', header: 'bytes=900-999,500-549,0-9,540-599', size: 10000, expected: ranges([900, 999], [500, 599], [0, 9]) },
  { name: 'a suffix overlapping an int-range is coalesced', header: 'bytes=9000-9599,-500', size: 10000, expected: ranges([9000, 9999]) },
  { name: 'ranges adding up to more than the size are ignored', header: 'bytes=0-9,0-9', size: 10, expected: NONE },
  { name: 'overlapping ranges adding up to more than the size are ignored', header: 'bytes=0-59,40-99', size: 100, expected: NONE },
  { name: 'ranges adding up to exactly the size are kept', header: 'bytes=0-4,5-9', size: 10, expected: ranges([0, 9]) },
  { name: 'more ranges than maxRanges are ignored', header: 'bytes=0-0,2-2,4-4', size: 100, maxRanges: 2, expected: NONE },
  { name: 'as many ranges as maxRanges are kept', header: 'bytes=0-0,2-2', size: 100, maxRanges: 2, expected: ranges([0, 0], [2, 2]) },
  {
    name: 'more than the default 100 ranges are ignored',
    header: 'bytes=' + Array.from({ length: 101 }, (_, i) => `${i * 2}-${i * 2}`).join(','),
    size: 10000,
    expected: NONE
  },
  {
    name: 'the default allows 100 ranges',
    header: 'bytes=' + Array.from({ length: 100 }, (_, i) => `${i * 2}-${i * 2}`).join(','),
    size: 10000,
    expected: ranges(...Array.from({ length: 100 }, (_, i): [number, number] => [i * 2, i * 2]))
  }
]

for (const c of cases) {
  t.test(`parseRange: ${c.name}`, async (t) => {
    // Without a maxRanges of its own, the case runs under the plugin's default.
    const options = { maxRanges: c.maxRanges ?? resolveOptions({}).maxRanges }
    t.strictSame(parseRange(c.header, c.size, options), c.expected, `${JSON.stringify(c.header)} on ${c.size} bytes`)
  })
}

t.test('parseRange: every returned range lies inside the representation', async (t) => {
  const headers = ['bytes=0-', 'bytes=-1', 'bytes=-99999', 'bytes=5-99999', 'bytes=0-0,3-3,-2', 'bytes=9-']
  for (const size of [1, 2, 10]) {
    for (const header of headers) {
      const result = parseRange(header, size, { maxRanges: 100 })
      if (result.kind !== 'ranges') continue
      for (const r of result.ranges) {
        t.ok(r.start >= 0 && r.start <= r.end && r.end < size, `${header} on ${size}: ${r.start}-${r.end}`)
      }
    }
  }
})

interface CoalesceCase {
  name: string
  input: ByteRange[]
  expected: ByteRange[]
}

const r = (start: number, end: number): ByteRange => ({ start, end })

const coalesceCases: CoalesceCase[] = [
  { name: 'empty', input: [], expected: [] },
  { name: 'one range', input: [r(3, 5)], expected: [r(3, 5)] },
  { name: 'disjoint, sorted', input: [r(0, 1), r(3, 4)], expected: [r(0, 1), r(3, 4)] },
  { name: 'disjoint ranges keep their order', input: [r(10, 12), r(0, 1), r(5, 6)], expected: [r(10, 12), r(0, 1), r(5, 6)] },
  { name: 'merged, at the place of the earliest member', input: [r(50, 60), r(20, 30), r(0, 10), r(11, 19)], expected: [r(50, 60), r(0, 30)] },
  { name: 'adjacent', input: [r(0, 4), r(5, 9)], expected: [r(0, 9)] },
  { name: 'overlapping', input: [r(0, 5), r(3, 9)], expected: [r(0, 9)] },
  { name: 'contained', input: [r(0, 100), r(10, 20)], expected: [r(0, 100)] },
  { name: 'identical', input: [r(7, 8), r(7, 8)], expected: [r(7, 8)] },
  { name: 'chain merging through the middle', input: [r(20, 30), r(0, 10), r(11, 19)], expected: [r(0, 30)] },
  { name: 'a gap of one byte stays', input: [r(0, 4), r(6, 9)], expected: [r(0, 4), r(6, 9)] }
]

for (const c of coalesceCases) {
  t.test(`coalesce: ${c.name}`, async (t) => {
    const before = JSON.stringify(c.input)
    t.strictSame(coalesce(c.input), c.expected)
    t.equal(JSON.stringify(c.input), before, 'the input is not modified')
  })
}
