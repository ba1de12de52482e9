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

t.test('cacheControl: private by default, max-age from maxAge', async (t) => {
  for (const maxAge of [0, 1, 60, 31536000]) {
    for (const shared of [false, true]) {
      const value = cacheControl({ maxAge, immutable: false, shared, cacheControl: undefined })
      t.type(value, 'string')
      const d = directives(t, value!)
      t.equal(d.get('max-age'), String(maxAge), `max-age=${maxAge}`)
      t.equal(d.get(shared ? 'public' : 'private'), true, shared ? 'public' : 'private')
      t.equal(d.has(shared ? 'private' : 'public'), false, 'one scope only')
      t.equal(d.has('immutable'), false, 'not immutable')
      t.equal(d.has('no-store'), false, 'no no-store: 304 keeps working')
    }
  }
})

t.test('cacheControl: without maxAge, caches must revalidate (no-cache), and shared caches may not store it', async (t) => {
  const d = directives(t, cacheControl({ maxAge: undefined, immutable: false, shared: false, cacheControl: undefined })!)
  t.same([...d.keys()].sort(), ['no-cache', 'private'])
  const shared = directives(t, cacheControl({ maxAge: undefined, immutable: false, shared: true, cacheControl: undefined })!)
  t.same([...shared.keys()].sort(), ['no-cache', 'public'])
})

t.test('cacheControl: immutable adds the RFC 8246 directive', async (t) => {
  const d = directives(t, cacheControl({ maxAge: 31536000, immutable: true, shared: true, cacheControl: undefined })!)
  t.equal(d.get('immutable'), true)
  t.equal(d.get('max-age'), '31536000')
})

t.test('cacheControl: a string is sent as it is', async (t) => {
  for (const value of ['no-store', 'private, max-age=0, must-revalidate', 'no-cache']) {
    t.equal(cacheControl({ maxAge: 100, immutable: true, shared: true, cacheControl: value }), value, value)
  }
})

t.test('cacheControl: false sends none', async (t) => {
  t.equal(cacheControl({ maxAge: 100, immutable: true, shared: false, cacheControl: false }), undefined)
  t.equal(cacheControl({ maxAge: 0, immutable: false, shared: true, cacheControl: false }), undefined)
})
