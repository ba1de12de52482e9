// Cache-Control (RFC 9111 section 5.2) and `immutable` (RFC 8246).
import t, { type Test } from 'tap'
import { cacheControl } from '../../lib/http/cache-control.js'

/** The directives of a Cache-Control value, names lower-cased (RFC 9111 section 5.2: case-insensitive). */
function directives (t: Test, value: string): Map<string, string | true> {
  const out = new Map<string, string | true>()
  for (const part of value.split(',')) {
    const [name, arg] = part.trim().split('=') as [string, string | undefined]
    t.match(name, /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, `directive ${name} is a token`)
    out.set(name.toLowerCase(), arg ?? true)
  }
  return out
}

t.test('cacheControl: max-age from maxAge', async (t) => {
  for (const maxAge of [0, 1, 60, 31536000]) {
    const value = cacheControl({ maxAge, immutable: false, cacheControl: undefined })
    t.type(value, 'string')
    const d = directives(t, value!)
    t.equal(d.get('max-age'), String(maxAge), `max-age=${maxAge}`)
    t.equal(d.get('public'), true, 'public')
    t.equal(d.has('immutable'), false, 'not immutable')
    t.equal(d.has('no-store'), false, 'no no-store')
  }
})

t.test('cacheControl: immutable adds the RFC 8246 directive', async (t) => {
  const d = directives(t, cacheControl({ maxAge: 31536000, immutable: true, cacheControl: undefined })!)
  t.equal(d.get('immutable'), true)
  t.equal(d.get('max-age'), '31536000')
})

t.test('cacheControl: a string is sent as it is', async (t) => {
  for (const value of ['no-store', 'private, max-age=0, must-revalidate', 'no-cache']) {
    t.equal(cacheControl({ maxAge: 100, immutable: true, cacheControl: value }), value, value)
  }
})

t.test('cacheControl: false sends none', async (t) => {
  t.equal(cacheControl({ maxAge: 100, immutable: true, cacheControl: false }), undefined)
  t.equal(cacheControl({ maxAge: 0, immutable: false, cacheControl: false }), undefined)
})
