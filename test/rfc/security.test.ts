import t from 'tap'
import { makeFixture, startApp } from '../helpers/app.js'
import { request } from '../helpers/http.js'

const fx = makeFixture()
t.teardown(fx.remove)

t.test('traversal through double encoding, look-alike separators, overlong UTF-8 and trailing dots: never outside, never 500', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  const paths = [
    '/files/..%2foutside.txt', '/files/..%252foutside.txt', '/files/%252e%252e/outside.txt', '/files/%25252e%25252e/outside.txt',
    '/files/..%5coutside.txt', '/files/..%255coutside.txt', '/files/sub/..%2F..%2F..%2Foutside.txt',
    '/files/..%EF%BC%8Foutside.txt', '/files/%EF%BC%8E%EF%BC%8E/outside.txt', '/files/..%E2%88%95outside.txt',
    '/files/%C0%AE%C0%AE/outside.txt', '/files/%C0%AF..%C0%AFoutside.txt', '/files/%E0%80%AE%E0%80%AE/outside.txt',
    '/files/..%00/outside.txt', '/files/alphabet.txt%00.pdf', '/files/.../outside.txt', '/files/..%20/outside.txt', '/files/../outside.txt',
    '/files/alphabet.txt.', '/files/alphabet.txt%20', '/files/ALPHABET.TXT', '/files/link-dir-out/sibling.txt', '/files/link-dir-out%2fsibling.txt',
    '/files/%2Ftmp', '/files/C:%5Cwindows', '/files/sub/deeper/..%2F..%2F..%2F..%2Foutside.txt', '/files/%ED%A0%80', '/files/%FF%FE'
  ]
  for (const path of paths) {
    const res = await request(base, path)
    // Issue 2: "Bad input never yields a 500, never a byte from outside the root."
    t.ok([400, 403, 404].includes(res.status), `${path}: ${res.status}`)
    t.notMatch(res.body.toString('latin1'), /SECRET/, `${path}: nothing from outside`)
  }
})

t.test('malformed conditional and range headers never give a 500', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  const headers: Array<Record<string, string>> = [
    { range: 'bytes=\u00ff-1' }, { range: 'bytes=--1' }, { range: 'bytes=1--2' }, { range: 'bytes=' }, { range: '=0-1' }, { range: 'bytes=0-1'.repeat(2000) },
    { range: 'bytes=' + '0-0,'.repeat(5000) }, { 'if-range': '"unterminated', range: 'bytes=0-1' }, { 'if-range': 'W/', range: 'bytes=0-1' },
    { 'if-match': '"a' }, { 'if-match': 'W/' }, { 'if-none-match': '"' }, { 'if-none-match': ',,,' }, { 'if-modified-since': 'Fri, 31 Feb 2024 00:00:00 GMT' },
    { 'if-unmodified-since': 'Sun, 99 Nov 1994 08:49:37 GMT' }, { 'if-modified-since': 'x'.repeat(8000) }
  ]
  for (const h of headers) {
    const res = await request(base, '/files/alphabet.txt', { headers: h })
    t.ok(res.status < 500, `${JSON.stringify(h).slice(0, 80)}: ${res.status}`)
  }
})
