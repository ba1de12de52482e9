import t from 'tap'
import { makeFixture, startApp } from './helpers/app.js'
import { request } from './helpers/http.js'

const fx = makeFixture()
t.teardown(fx.remove)

t.test('preconditions over real sockets, in the order of RFC 9110 section 13.2.2', async (t) => {
  const { app, base } = await startApp(fx.root, { maxAge: 30 })
  t.teardown(() => app.close())
  const first = await request(base, '/files/alphabet.txt')
  const etag = first.headers.etag!
  const lm = first.headers['last-modified']!
  const before = new Date(fx.oldDate.getTime() - 60000).toUTCString()
  const after = new Date(fx.oldDate.getTime() + 60000).toUTCString()
  const cases: Array<[string, Record<string, string>, number]> = [
    ['If-None-Match current', { 'if-none-match': etag }, 304],
    ['If-None-Match weak form of current', { 'if-none-match': `W/${etag}` }, 304],
    ['If-None-Match list', { 'if-none-match': `"x", ${etag}, "y"` }, 304],
    ['If-None-Match *', { 'if-none-match': '*' }, 304],
    ['If-None-Match other', { 'if-none-match': '"other"' }, 200],
    ['If-Modified-Since = Last-Modified', { 'if-modified-since': lm }, 304],
    ['If-Modified-Since later', { 'if-modified-since': after }, 304],
    ['If-Modified-Since earlier', { 'if-modified-since': before }, 200],
    ['If-Modified-Since invalid', { 'if-modified-since': 'yesterday' }, 200],
    ['If-Modified-Since ignored with If-None-Match', { 'if-none-match': '"other"', 'if-modified-since': after }, 200],
    ['If-Match current', { 'if-match': etag }, 200],
    ['If-Match *', { 'if-match': '*' }, 200],
    ['If-Match other', { 'if-match': '"other"' }, 412],
    ['If-Match weak never matches', { 'if-match': `W/${etag}` }, 412],
    ['If-Unmodified-Since earlier', { 'if-unmodified-since': before }, 412],
    ['If-Unmodified-Since later', { 'if-unmodified-since': after }, 200],
    ['If-Unmodified-Since ignored with If-Match', { 'if-match': etag, 'if-unmodified-since': before }, 200],
    ['If-Match fails before If-None-Match', { 'if-match': '"other"', 'if-none-match': etag }, 412]
  ]
  for (const [label, headers, status] of cases) {
    const res = await request(base, '/files/alphabet.txt', { headers })
    t.equal(res.status, status, label)
    if (status === 304) {
      t.equal(res.body.length, 0, `${label}: no body`)
      t.equal(res.headers.etag, etag, `${label}: ETag`)
      t.equal(res.headers['last-modified'], lm, `${label}: Last-Modified`)
      t.equal(res.headers['cache-control'], 'private, max-age=30', `${label}: Cache-Control`)
      t.notOk(res.headers['content-length'] !== undefined && res.headers['content-length'] !== '26', `${label}: no wrong Content-Length`)
    }
    if (status === 412) {
      const body = JSON.parse(res.body.toString())
      t.equal(body.code, 'FST_DOWNLOADS_PRECONDITION_FAILED', label)
      t.equal(body.statusCode, 412)
    }
    if (status === 200) t.same(res.body, fx.alphabet, label)
  }
  const head = await request(base, '/files/alphabet.txt', { method: 'HEAD', headers: { 'if-none-match': etag } })
  t.equal(head.status, 304, 'HEAD revalidates too')
})

t.test('a precondition outranks a Range: 304 beats 206, 412 beats 206', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  const etag = (await request(base, '/files/alphabet.txt')).headers.etag!
  t.equal((await request(base, '/files/alphabet.txt', { headers: { 'if-none-match': etag, range: 'bytes=0-1' } })).status, 304)
  t.equal((await request(base, '/files/alphabet.txt', { headers: { 'if-match': '"x"', range: 'bytes=0-1' } })).status, 412)
  t.equal((await request(base, '/files/alphabet.txt', { headers: { 'if-match': etag, range: 'bytes=0-1' } })).status, 206)
})

t.test('the ETag changes when the file changes', async (t) => {
  const { writeFileSync } = await import('node:fs')
  const { join } = await import('node:path')
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  const path = join(fx.root, 'changing.txt')
  writeFileSync(path, 'version one')
  const one = await request(base, '/files/changing.txt')
  writeFileSync(path, 'version two!')
  const two = await request(base, '/files/changing.txt', { headers: { 'if-none-match': one.headers.etag! } })
  t.equal(two.status, 200)
  t.equal(two.body.toString(), 'version two!')
  t.not(two.headers.etag, one.headers.etag)
})
