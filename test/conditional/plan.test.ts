// plan(): preconditions in the order of RFC 9110 section 13.2.2, then Range (section 14.2) for GET
// only, under If-Range (section 13.1.5).
import t from 'tap'
import { plan, type Plan, type PlanInput, type PlanRequest } from '../../lib/conditional/plan.js'

const T = Date.UTC(1994, 10, 6, 8, 49, 37)
const IMF = 'Sun, 06 Nov 1994 08:49:37 GMT'
const EARLIER = 'Sun, 06 Nov 1994 08:49:36 GMT'
const LATER = 'Sun, 06 Nov 1994 08:49:38 GMT'

const input = (method: string, headers: PlanRequest, extra: Partial<PlanInput> = {}): PlanInput => ({
  method,
  headers,
  size: 10000,
  validators: { etag: '"v1"', lastModified: T },
  rangeable: true,
  maxRanges: 100,
  now: T + 3600_000,
  ...extra
})

interface Case {
  name: string
  input: PlanInput
  expected: Plan
}

const cases: Case[] = [
  // Plain requests.
  { name: 'GET', input: input('GET', {}), expected: { status: 200, head: false } },
  { name: 'HEAD', input: input('HEAD', {}), expected: { status: 200, head: true } },
  { name: 'POST without conditions', input: input('POST', {}), expected: { status: 200, head: false } },

  // Range (section 14.2).
  { name: 'GET with one range', input: input('GET', { range: 'bytes=0-499' }), expected: { status: 206, head: false, range: { start: 0, end: 499 } } },
  { name: 'GET with a suffix range', input: input('GET', { range: 'bytes=-500' }), expected: { status: 206, head: false, range: { start: 9500, end: 9999 } } },
  {
    name: 'GET with two ranges',
    input: input('GET', { range: 'bytes=0-0,-1' }),
    expected: { status: 206, head: false, ranges: [{ start: 0, end: 0 }, { start: 9999, end: 9999 }] }
  },
  {
    name: 'GET with two ranges that coalesce into one',
    input: input('GET', { range: 'bytes=0-99,100-199' }),
    expected: { status: 206, head: false, range: { start: 0, end: 199 } }
  },
  { name: 'GET with an unsatisfiable range', input: input('GET', { range: 'bytes=10000-' }), expected: { status: 416 } },
  { name: 'GET with bytes=-0', input: input('GET', { range: 'bytes=-0' }), expected: { status: 416 } },
  { name: 'GET with an invalid range is served whole', input: input('GET', { range: 'bytes=5-1' }), expected: { status: 200, head: false } },
  { name: 'GET with another unit is served whole', input: input('GET', { range: 'items=0-1' }), expected: { status: 200, head: false } },
  { name: 'HEAD ignores Range', input: input('HEAD', { range: 'bytes=0-9' }), expected: { status: 200, head: true } },
  { name: 'HEAD ignores an unsatisfiable Range', input: input('HEAD', { range: 'bytes=10000-' }), expected: { status: 200, head: true } },
  { name: 'POST ignores Range', input: input('POST', { range: 'bytes=0-9' }), expected: { status: 200, head: false } },
  { name: 'Range on a source that cannot be ranged', input: input('GET', { range: 'bytes=0-9' }, { rangeable: false }), expected: { status: 200, head: false } },
  { name: 'Range on a stream of unknown length', input: input('GET', { range: 'bytes=0-9' }, { size: undefined }), expected: { status: 200, head: false } },
  { name: 'more ranges than maxRanges', input: input('GET', { range: 'bytes=0-0,2-2,4-4' }, { maxRanges: 2 }), expected: { status: 200, head: false } },

  // If-Range (section 13.1.5).
  {
    name: 'If-Range with the current strong ETag',
    input: input('GET', { range: 'bytes=0-9', 'if-range': '"v1"' }),
    expected: { status: 206, head: false, range: { start: 0, end: 9 } }
  },
  { name: 'If-Range with another ETag', input: input('GET', { range: 'bytes=0-9', 'if-range': '"v0"' }), expected: { status: 200, head: false } },
  { name: 'If-Range with a weak ETag', input: input('GET', { range: 'bytes=0-9', 'if-range': 'W/"v1"' }), expected: { status: 200, head: false } },
  {
    name: 'If-Range with the exact Last-Modified',
    input: input('GET', { range: 'bytes=0-9', 'if-range': IMF }),
    expected: { status: 206, head: false, range: { start: 0, end: 9 } }
  },
  { name: 'If-Range with an older date', input: input('GET', { range: 'bytes=0-9', 'if-range': EARLIER }), expected: { status: 200, head: false } },
  { name: 'If-Range without Range is ignored', input: input('GET', { 'if-range': '"v0"' }), expected: { status: 200, head: false } },
  {
    name: 'a failed If-Range makes an unsatisfiable Range moot',
    input: input('GET', { range: 'bytes=10000-', 'if-range': '"v0"' }),
    expected: { status: 200, head: false }
  },

  // Preconditions come before Range (section 13.2.2).
  { name: 'If-None-Match match on GET', input: input('GET', { 'if-none-match': '"v1"' }), expected: { status: 304 } },
  { name: 'If-None-Match match on HEAD', input: input('HEAD', { 'if-none-match': '"v1"' }), expected: { status: 304 } },
  { name: 'If-None-Match weak match on GET', input: input('GET', { 'if-none-match': 'W/"v1"' }), expected: { status: 304 } },
  { name: 'If-None-Match * on GET', input: input('GET', { 'if-none-match': '*' }), expected: { status: 304 } },
  { name: 'If-None-Match match with a Range is 304', input: input('GET', { 'if-none-match': '"v1"', range: 'bytes=0-9' }), expected: { status: 304 } },
  // §13.1.2: "... or 412 (Precondition Failed) status code for all other request methods".
  { name: 'If-None-Match match on POST is 412', input: input('POST', { 'if-none-match': '"v1"' }), expected: { status: 412 } },
  { name: 'If-None-Match * on PUT is 412', input: input('PUT', { 'if-none-match': '*' }), expected: { status: 412 } },
  { name: 'If-None-Match without match on POST', input: input('POST', { 'if-none-match': '"v0"' }), expected: { status: 200, head: false } },
  { name: 'If-Modified-Since not modified on GET', input: input('GET', { 'if-modified-since': IMF }), expected: { status: 304 } },
  { name: 'If-Modified-Since not modified on HEAD', input: input('HEAD', { 'if-modified-since': LATER }), expected: { status: 304 } },
  {
    name: 'If-Modified-Since modified with a Range is 206',
    input: input('GET', { 'if-modified-since': EARLIER, range: 'bytes=0-9' }),
    expected: { status: 206, head: false, range: { start: 0, end: 9 } }
  },
  // §13.1.3: "A recipient MUST ignore the If-Modified-Since header field if ... the request method is neither GET nor HEAD."
  { name: 'If-Modified-Since is ignored on POST', input: input('POST', { 'if-modified-since': LATER }), expected: { status: 200, head: false } },
  { name: 'If-Modified-Since is ignored on DELETE', input: input('DELETE', { 'if-modified-since': IMF }), expected: { status: 200, head: false } },
  { name: 'If-Match failure on GET', input: input('GET', { 'if-match': '"v0"' }), expected: { status: 412 } },
  { name: 'If-Match failure beats an unsatisfiable Range', input: input('GET', { 'if-match': '"v0"', range: 'bytes=10000-' }), expected: { status: 412 } },
  { name: 'If-Match weak tag on GET is 412', input: input('GET', { 'if-match': 'W/"v1"' }), expected: { status: 412 } },
  {
    name: 'If-Match success with a Range is 206',
    input: input('GET', { 'if-match': '"v1"', range: 'bytes=0-9' }),
    expected: { status: 206, head: false, range: { start: 0, end: 9 } }
  },
  { name: 'If-Unmodified-Since failure on POST', input: input('POST', { 'if-unmodified-since': EARLIER }), expected: { status: 412 } },
  { name: 'If-Unmodified-Since failure on GET with a Range', input: input('GET', { 'if-unmodified-since': EARLIER, range: 'bytes=0-9' }), expected: { status: 412 } },
  {
    name: 'If-Unmodified-Since is ignored when If-Match passes',
    input: input('GET', { 'if-match': '"v1"', 'if-unmodified-since': EARLIER }),
    expected: { status: 200, head: false }
  },
  {
    name: 'If-Modified-Since is ignored when If-None-Match does not match',
    input: input('GET', { 'if-none-match': '"v0"', 'if-modified-since': LATER }),
    expected: { status: 200, head: false }
  }
]

for (const c of cases) {
  t.test(`plan: ${c.name}`, async (t) => {
    t.strictSame(plan(c.input), c.expected)
  })
}
