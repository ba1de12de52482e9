// Entity tags: RFC 9110 section 8.8.3 (grammar) and 8.8.3.2 (strong and weak comparison).
import t from 'tap'
import { fileETag, isWeak, normalizeETag, parseETagList, strongMatch, weakMatch } from '../../lib/http/etag.js'

// entity-tag = [ weak ] opaque-tag; weak = %s"W/"; opaque-tag = DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text
const ENTITY_TAG = /^(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*"$/
const STRONG_TAG = /^"[\x21\x23-\x7e\x80-\xff]*"$/

t.test('strong and weak comparison: the table of RFC 9110 section 8.8.3.2', async (t) => {
  const table: Array<[string, string, boolean, boolean]> = [
    // ETag 1, ETag 2, strong comparison, weak comparison
    ['W/"1"', 'W/"1"', false, true],
    ['W/"1"', 'W/"2"', false, false],
    ['W/"1"', '"1"', false, true],
    ['"1"', '"1"', true, true]
  ]
  for (const [a, b, strong, weak] of table) {
    t.equal(strongMatch(a, b), strong, `strong ${a} ${b}`)
    t.equal(strongMatch(b, a), strong, `strong ${b} ${a}`)
    t.equal(weakMatch(a, b), weak, `weak ${a} ${b}`)
    t.equal(weakMatch(b, a), weak, `weak ${b} ${a}`)
  }
  t.equal(strongMatch('"1"', '"2"'), false, 'strong, different opaque tags')
  t.equal(weakMatch('"1"', '"2"'), false, 'weak, different opaque tags')
  t.equal(strongMatch('"a"', '"A"'), false, 'opaque tags are compared case-sensitively')
  t.equal(weakMatch('"a"', '"A"'), false, 'opaque tags are compared case-sensitively (weak)')
})

t.test('isWeak: the weak indicator is the case-sensitive W/', async (t) => {
  const cases: Array<[string, boolean]> = [
    ['W/"x"', true],
    ['"x"', false],
    ['""', false],
    ['"W/x"', false]
  ]
  for (const [tag, weak] of cases) t.equal(isWeak(tag), weak, tag)
})

t.test('parseETagList: splits an If-Match / If-None-Match list', async (t) => {
  const cases: Array<[string, string[]]> = [
    ['"a"', ['"a"']],
    ['"a", "b"', ['"a"', '"b"']],
    ['"a","b","c"', ['"a"', '"b"', '"c"']],
    ['W/"a", "b"', ['W/"a"', '"b"']],
    ['W/"a",W/"b"', ['W/"a"', 'W/"b"']],
    // A comma is an etagc: it may stand inside a tag.
    ['"a,b"', ['"a,b"']],
    ['"a,b", "c"', ['"a,b"', '"c"']],
    ['""', ['""']],
    // §5.6.1: OWS and empty list elements.
    ['  "a"  ,  ,\t"b"  ', ['"a"', '"b"']],
    [',"a",', ['"a"']],
    ['', []],
    // Members that are not entity-tags are dropped.
    ['garbage, "b"', ['"b"']],
    ['"a", garbage', ['"a"']],
    ['"unterminated', []],
    ['*', []]
  ]
  for (const [value, expected] of cases) t.strictSame(parseETagList(value), expected, JSON.stringify(value))
})

t.test('fileETag: a strong entity-tag that moves with inode, size and nanosecond mtime', async (t) => {
  const stats = { ino: 1234567n, size: 4096n, mtimeNs: 1700000000123456789n }
  const base = fileETag(stats)
  t.match(base, STRONG_TAG, 'strong, quoted')
  t.equal(fileETag({ ...stats }), base, 'same file, same tag')
  t.not(fileETag({ ...stats, ino: 1234568n }), base, 'another inode')
  t.not(fileETag({ ...stats, size: 4097n }), base, 'another size')
  t.not(fileETag({ ...stats, mtimeNs: stats.mtimeNs + 1000000n }), base, 'mtime one millisecond later')
  t.not(fileETag({ ...stats, mtimeNs: stats.mtimeNs + 1n }), base, 'mtime one nanosecond later')
  t.match(fileETag({ ino: 0n, size: 0n, mtimeNs: 0n }), STRONG_TAG, 'an empty file at the epoch')
})

t.test('normalizeETag: always a valid entity-tag (section 8.8.3)', async (t) => {
  const cases: Array<[string, string]> = [
    ['abc', '"abc"'],
    ['"abc"', '"abc"'],
    ['W/"abc"', 'W/"abc"'],
    ['v1.2-3', '"v1.2-3"'],
    ['""', '""']
  ]
  for (const [input, expected] of cases) t.equal(normalizeETag(input), expected, JSON.stringify(input))

  // Characters outside etagc (DQUOTE, SP, controls, DEL) never end up in the tag.
  for (const input of ['a b', 'a"b', 'a\r\nX-Injected: 1', 'a\0b', 'a\x7fb', 'a\\b']) {
    const tag = normalizeETag(input)
    t.match(tag, ENTITY_TAG, `${JSON.stringify(input)} -> ${JSON.stringify(tag)} is an entity-tag`)
    t.notMatch(tag, /[\r\n\0]/, `${JSON.stringify(input)}: no CR, LF or NUL`)
  }
})

t.test('normalizeETag: a quoted value with characters outside etagc is not passed through as it is', async (t) => {
  // `"a b"` looks quoted but is no entity-tag: SP, HTAB, CR and LF are not etagc (section 8.8.3).
  for (const input of ['"a b"', '"a\r\nb"', 'W/"a b"', '"a\tb"']) {
    const tag = normalizeETag(input)
    t.match(tag, ENTITY_TAG, `${JSON.stringify(input)} -> ${JSON.stringify(tag)} is an entity-tag`)
    t.notMatch(tag, /[\r\n\0]/, `${JSON.stringify(input)}: no CR, LF or NUL`)
  }
})
