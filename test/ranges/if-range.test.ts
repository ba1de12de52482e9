// If-Range, RFC 9110 section 13.1.5: a strong ETag or a strong date that still matches, else the whole body.
import t from 'tap'
import { ifRangeAllows } from '../../lib/conditional/if-range.js'
import type { Validators } from '../../lib/conditional/preconditions.js'

const T = Date.UTC(1994, 10, 6, 8, 49, 37)
const IMF = 'Sun, 06 Nov 1994 08:49:37 GMT'
const LONG_AFTER = T + 3600_000

interface Case {
  name: string
  ifRange: string | undefined
  validators: Validators
  now?: number
  expected: boolean
}

const strong: Validators = { etag: '"v1"', lastModified: T }
const weak: Validators = { etag: 'W/"v1"', lastModified: T }

const cases: Case[] = [
  { name: 'absent: the Range applies', ifRange: undefined, validators: strong, expected: true },

  // Entity tags: strong comparison only.
  { name: 'the current strong ETag', ifRange: '"v1"', validators: strong, expected: true },
  { name: 'another ETag', ifRange: '"v2"', validators: strong, expected: false },
  { name: 'a weak ETag never allows the Range', ifRange: 'W/"v1"', validators: strong, expected: false },
  { name: 'a weak ETag against a weak current ETag', ifRange: 'W/"v1"', validators: weak, expected: false },
  { name: 'a strong tag against a weak current ETag', ifRange: '"v1"', validators: weak, expected: false },
  { name: 'an ETag when the representation has none', ifRange: '"v1"', validators: { lastModified: T }, expected: false },
  { name: 'a list is no single entity-tag', ifRange: '"v1", "v2"', validators: strong, expected: false },
  { name: 'ETag compared case-sensitively', ifRange: '"V1"', validators: strong, expected: false },

  // Dates: an exact match of a strong Last-Modified.
  { name: 'the exact Last-Modified, long ago', ifRange: IMF, validators: strong, expected: true },
  { name: 'the exact Last-Modified, no ETag', ifRange: IMF, validators: { lastModified: T }, expected: true },
  { name: 'the exact Last-Modified in RFC 850 form', ifRange: 'Sunday, 06-Nov-94 08:49:37 GMT', validators: strong, expected: true },
  { name: 'the exact Last-Modified in asctime form', ifRange: 'Sun Nov  6 08:49:37 1994', validators: strong, expected: true },
  { name: 'a later date is no exact match', ifRange: 'Sun, 06 Nov 1994 08:49:38 GMT', validators: strong, expected: false },
  { name: 'an earlier date is no exact match', ifRange: 'Sun, 06 Nov 1994 08:49:36 GMT', validators: strong, expected: false },
  { name: 'a date when the representation has no Last-Modified', ifRange: IMF, validators: { etag: '"v1"' }, expected: false },
  {
    name: 'a date within the second of the modification is weak (section 8.8.2.2)',
    ifRange: IMF,
    validators: strong,
    now: T + 500,
    expected: false
  },

  // Neither a valid entity-tag nor a valid HTTP-date.
  { name: 'garbage', ifRange: 'v1', validators: strong, expected: false },
  { name: 'an empty value', ifRange: '', validators: strong, expected: false },
  { name: 'an invalid date', ifRange: 'Sun, 32 Nov 1994 08:49:37 GMT', validators: strong, expected: false }
]

for (const c of cases) {
  t.test(`ifRangeAllows: ${c.name}`, async (t) => {
    t.equal(ifRangeAllows(c.ifRange, c.validators, c.now ?? LONG_AFTER), c.expected)
  })
}
