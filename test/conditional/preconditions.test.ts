// Preconditions of RFC 9110 section 13.1.1-13.1.4, evaluated in the order of section 13.2.2, and
// HTTP-date parsing (section 5.6.7).
import t from 'tap'
import { evaluatePreconditions, parseHttpDate, type ConditionalHeaders, type PreconditionResult, type Validators } from '../../lib/conditional/preconditions.js'

// Sun, 06 Nov 1994 08:49:37 GMT, the example of section 5.6.7.
const T = Date.UTC(1994, 10, 6, 8, 49, 37)
const IMF = 'Sun, 06 Nov 1994 08:49:37 GMT'
const EARLIER = 'Sun, 06 Nov 1994 08:49:36 GMT'
const LATER = 'Sun, 06 Nov 1994 08:49:38 GMT'

const both: Validators = { etag: '"v1"', lastModified: T }
const weakEntity: Validators = { etag: 'W/"v1"', lastModified: T }

interface Case {
  name: string
  headers: ConditionalHeaders
  validators: Validators
  expected: PreconditionResult
}

const cases: Case[] = [
  { name: 'no conditional header', headers: {}, validators: both, expected: 0 },

  // §13.1.1 If-Match: strong comparison.
  { name: 'If-Match: the current tag', headers: { 'if-match': '"v1"' }, validators: both, expected: 0 },
  { name: 'If-Match: another tag fails', headers: { 'if-match': '"v2"' }, validators: both, expected: 412 },
  { name: 'If-Match: a list holding the current tag', headers: { 'if-match': '"v0", "v1", "v2"' }, validators: both, expected: 0 },
  { name: 'If-Match: a list without the current tag fails', headers: { 'if-match': '"v0", "v2"' }, validators: both, expected: 412 },
  { name: 'If-Match: * matches a current representation', headers: { 'if-match': '*' }, validators: both, expected: 0 },
  { name: 'If-Match: * matches even without an ETag', headers: { 'if-match': '*' }, validators: { lastModified: T }, expected: 0 },
  { name: 'If-Match: a weak tag never matches (strong comparison)', headers: { 'if-match': 'W/"v1"' }, validators: both, expected: 412 },
  { name: 'If-Match: a strong tag never matches a weak ETag', headers: { 'if-match': '"v1"' }, validators: weakEntity, expected: 412 },
  { name: 'If-Match: a weak tag never matches a weak ETag', headers: { 'if-match': 'W/"v1"' }, validators: weakEntity, expected: 412 },
  { name: 'If-Match: a tag when the representation has no ETag fails', headers: { 'if-match': '"v1"' }, validators: { lastModified: T }, expected: 412 },

  // §13.1.4 If-Unmodified-Since: true when Last-Modified <= the date.
  { name: 'If-Unmodified-Since: same second', headers: { 'if-unmodified-since': IMF }, validators: both, expected: 0 },
  { name: 'If-Unmodified-Since: later date', headers: { 'if-unmodified-since': LATER }, validators: both, expected: 0 },
  { name: 'If-Unmodified-Since: earlier date fails', headers: { 'if-unmodified-since': EARLIER }, validators: both, expected: 412 },
  { name: 'If-Unmodified-Since: an invalid date is ignored', headers: { 'if-unmodified-since': 'yesterday' }, validators: both, expected: 0 },
  {
    name: 'If-Unmodified-Since: a list of dates is ignored',
    headers: { 'if-unmodified-since': `${EARLIER}, ${EARLIER}` },
    validators: both,
    expected: 0
  },
  { name: 'If-Unmodified-Since: ignored without a modification date', headers: { 'if-unmodified-since': EARLIER }, validators: { etag: '"v1"' }, expected: 0 },
  { name: 'If-Unmodified-Since: ignored when If-Match is present', headers: { 'if-match': '"v1"', 'if-unmodified-since': EARLIER }, validators: both, expected: 0 },
  { name: 'If-Unmodified-Since: If-Match * still wins over it', headers: { 'if-match': '*', 'if-unmodified-since': EARLIER }, validators: both, expected: 0 },

  // §13.1.2 If-None-Match: weak comparison; a match on GET/HEAD is 304.
  { name: 'If-None-Match: the current tag', headers: { 'if-none-match': '"v1"' }, validators: both, expected: 304 },
  { name: 'If-None-Match: another tag', headers: { 'if-none-match': '"v2"' }, validators: both, expected: 0 },
  { name: 'If-None-Match: a list holding the current tag', headers: { 'if-none-match': '"v0", "v1"' }, validators: both, expected: 304 },
  { name: 'If-None-Match: a list without the current tag', headers: { 'if-none-match': '"v0", W/"v2", "v3"' }, validators: both, expected: 0 },
  { name: 'If-None-Match: * matches any current representation', headers: { 'if-none-match': '*' }, validators: both, expected: 304 },
  { name: 'If-None-Match: W/"v1" matches "v1" weakly', headers: { 'if-none-match': 'W/"v1"' }, validators: both, expected: 304 },
  { name: 'If-None-Match: "v1" matches W/"v1" weakly', headers: { 'if-none-match': '"v1"' }, validators: weakEntity, expected: 304 },
  { name: 'If-None-Match: W/"v1" matches W/"v1"', headers: { 'if-none-match': 'W/"v1"' }, validators: weakEntity, expected: 304 },
  { name: 'If-None-Match: W/"v2" does not match "v1"', headers: { 'if-none-match': 'W/"v2"' }, validators: both, expected: 0 },
  { name: 'If-None-Match: a tag with a comma inside', headers: { 'if-none-match': '"a,b"' }, validators: { etag: '"a,b"' }, expected: 304 },
  { name: 'If-None-Match: a tag with a comma is one tag', headers: { 'if-none-match': '"a,b"' }, validators: { etag: '"a"' }, expected: 0 },
  { name: 'If-None-Match: a tag when the representation has no ETag', headers: { 'if-none-match': '"v1"' }, validators: { lastModified: T }, expected: 0 },

  // §13.1.3 If-Modified-Since: false (304) when Last-Modified <= the date.
  { name: 'If-Modified-Since: same second is 304', headers: { 'if-modified-since': IMF }, validators: both, expected: 304 },
  { name: 'If-Modified-Since: later date is 304', headers: { 'if-modified-since': LATER }, validators: both, expected: 304 },
  { name: 'If-Modified-Since: earlier date serves it', headers: { 'if-modified-since': EARLIER }, validators: both, expected: 0 },
  { name: 'If-Modified-Since: RFC 850 form', headers: { 'if-modified-since': 'Sunday, 06-Nov-94 08:49:37 GMT' }, validators: both, expected: 304 },
  { name: 'If-Modified-Since: asctime form', headers: { 'if-modified-since': 'Sun Nov  6 08:49:37 1994' }, validators: both, expected: 304 },
  { name: 'If-Modified-Since: an invalid date is ignored', headers: { 'if-modified-since': 'not a date' }, validators: both, expected: 0 },
  {
    name: 'If-Modified-Since: a list of dates is ignored',
    headers: { 'if-modified-since': `${LATER}, ${LATER}` },
    validators: both,
    expected: 0
  },
  { name: 'If-Modified-Since: ignored without a modification date', headers: { 'if-modified-since': LATER }, validators: { etag: '"v1"' }, expected: 0 },
  {
    name: 'If-Modified-Since: ignored when If-None-Match is present (no match)',
    headers: { 'if-none-match': '"v2"', 'if-modified-since': LATER },
    validators: both,
    expected: 0
  },
  {
    name: 'If-Modified-Since: ignored when If-None-Match is present (match)',
    headers: { 'if-none-match': '"v1"', 'if-modified-since': EARLIER },
    validators: both,
    expected: 304
  },

  // §13.2.2: the order of evaluation.
  {
    name: 'order: a failed If-Match is 412 even when If-None-Match would be 304',
    headers: { 'if-match': '"v2"', 'if-none-match': '"v1"' },
    validators: both,
    expected: 412
  },
  {
    name: 'order: a failed If-Unmodified-Since is 412 even when If-Modified-Since would be 304',
    headers: { 'if-unmodified-since': EARLIER, 'if-modified-since': LATER },
    validators: both,
    expected: 412
  },
  {
    name: 'order: a passing If-Match, then If-None-Match decides',
    headers: { 'if-match': '"v1"', 'if-none-match': '"v1"' },
    validators: both,
    expected: 304
  },
  {
    name: 'order: a passing If-Unmodified-Since, then If-Modified-Since decides',
    headers: { 'if-unmodified-since': LATER, 'if-modified-since': LATER },
    validators: both,
    expected: 304
  }
]

for (const c of cases) {
  t.test(`evaluatePreconditions: ${c.name}`, async (t) => {
    t.equal(evaluatePreconditions(c.headers, c.validators), c.expected)
  })
}

t.test('parseHttpDate: the three forms of section 5.6.7', async (t) => {
  const cases: Array<[string, number]> = [
    ['Sun, 06 Nov 1994 08:49:37 GMT', T],
    ['Sunday, 06-Nov-94 08:49:37 GMT', T],
    ['Sun Nov  6 08:49:37 1994', T],
    ['Thu, 01 Jan 1970 00:00:00 GMT', 0],
    ['Wed, 29 Feb 2012 23:59:59 GMT', Date.UTC(2012, 1, 29, 23, 59, 59)],
    ['Sat, 01 Jan 2000 00:00:00 GMT', Date.UTC(2000, 0, 1)],
    ['Thu Feb 29 12:00:00 2024', Date.UTC(2024, 1, 29, 12)],
    ['Mon Dec 31 23:59:59 2029', Date.UTC(2029, 11, 31, 23, 59, 59)],
    ['  Sun, 06 Nov 1994 08:49:37 GMT  ', T]
  ]
  for (const [value, expected] of cases) t.equal(parseHttpDate(value), expected, JSON.stringify(value))
})

t.test('parseHttpDate: invalid dates are undefined (the condition is ignored)', async (t) => {
  const cases = [
    '',
    'yesterday',
    '784111777',
    '1994-11-06T08:49:37Z',
    'Sun, 06 Nov 1994 08:49:37',
    'Sun, 06 Nov 1994 08:49:37 PST',
    'Sun, 06 Nov 1994 08:49:37 +0000',
    'Sun, 06 Nov 1994 25:00:00 GMT',
    'Sun, 06 Nov 1994 08:61:37 GMT',
    'Sun, 06 Foo 1994 08:49:37 GMT',
    'Sun, 00 Nov 1994 08:49:37 GMT',
    `${IMF}, ${IMF}`
  ]
  for (const value of cases) t.equal(parseHttpDate(value), undefined, JSON.stringify(value))
  t.equal(parseHttpDate(undefined), undefined, 'absent')
})

t.test('parseHttpDate: a day that does not exist in its month is invalid', async (t) => {
  // 31 February is no date: Date.parse would roll it over to 3 March.
  t.equal(parseHttpDate('Thu, 31 Feb 1994 08:49:37 GMT'), undefined, 'IMF-fixdate 31 Feb')
  t.equal(parseHttpDate('Sat, 31 Nov 2026 08:49:37 GMT'), undefined, 'IMF-fixdate 31 Nov')
  t.equal(parseHttpDate('Thursday, 31-Feb-94 08:49:37 GMT'), undefined, 'RFC 850 31 Feb')
  t.equal(parseHttpDate('Thu Feb 31 08:49:37 1994'), undefined, 'asctime 31 Feb')
})

t.test('parseHttpDate: RFC 850 two-digit years within 50 years ahead are in the future (section 5.6.7)', async (t) => {
  // "MUST interpret a timestamp that appears to be more than 50 years in the future as representing the
  // most recent year in the past that had the same last two digits."
  const thisYear = new Date().getUTCFullYear()
  for (const ahead of [1, 10, 30, 49]) {
    const year = thisYear + ahead
    const yy = String(year % 100).padStart(2, '0')
    const weekday = new Date(Date.UTC(year, 0, 15)).toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' })
    t.equal(parseHttpDate(`${weekday}, 15-Jan-${yy} 12:00:00 GMT`), Date.UTC(year, 0, 15, 12), `-${yy} is ${year}`)
  }
  for (const back of [1, 10, 30, 49]) {
    const year = thisYear - back
    const yy = String(year % 100).padStart(2, '0')
    const weekday = new Date(Date.UTC(year, 0, 15)).toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' })
    t.equal(parseHttpDate(`${weekday}, 15-Jan-${yy} 12:00:00 GMT`), Date.UTC(year, 0, 15, 12), `-${yy} is ${year}`)
  }
})
