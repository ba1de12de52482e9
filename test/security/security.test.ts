import t, { type Test } from 'tap'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { Type } from '@sinclair/typebox'
import { FileNameSchema, FilePathSchema } from '../../lib/index.js'
import { makeFixture, startApp } from '../helpers/app.js'
import { request } from '../helpers/http.js'

const fx = makeFixture()
t.teardown(fx.remove)
const SECRETS = ['OUTSIDE SECRET', 'SIBLING SECRET', 'SECRET=1', 'root:x:0:0']

function neverLeaks (t: Test, body: Buffer, label: string): void {
  const text = body.toString('latin1')
  for (const secret of SECRETS) t.notOk(text.includes(secret), `${label}: no byte from outside the root`)
}

t.test('traversal attempts on a wildcard route: 403 or 404, never 500, never a byte from outside', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  const cases: Array<[string, number[]]> = [
    ['/files/../outside.txt', [403, 404]],
    ['/files/..%2Foutside.txt', [403]],
    ['/files/..%2foutside.txt', [403]],
    ['/files/sub/..%2F..%2Foutside.txt', [403]],
    ['/files/%2e%2e/outside.txt', [403, 404]],
    ['/files/%2E%2E%2Foutside.txt', [403]],
    ['/files/%252e%252e%252foutside.txt', [403]],
    ['/files/..%5Coutside.txt', [403]],
    ['/files/..\\outside.txt', [403]],
    ['/files/%2Fetc%2Fpasswd', [403]],
    ['/files//etc/passwd', [403]],
    ['/files/alphabet.txt%00.pdf', [403]],
    ['/files/sub/%00', [403]],
    ['/files/C:%5Cwindows', [403]],
    ['/files/link-out.txt', [403]],
    ['/files/link-dir-out/sibling.txt', [403]],
    ['/files/../files2/sibling.txt', [403, 404]],
    ['/files/..%2Ffiles2%2Fsibling.txt', [403]],
    ['/files/.env', [404]],
    ['/files/.hidden/inside.txt', [404]],
    ['/files/link-to-dotfile', [404]],
    ['/files/sub', [404]],
    ['/files/sub/', [404]],
    ['/files/missing.txt', [404]],
    ['/files/alphabet.txt/x', [404]]
  ]
  for (const [path, statuses] of cases) {
    const res = await request(base, path)
    t.ok(statuses.includes(res.status), `${path} -> ${res.status} (expected ${statuses.join(' or ')})`)
    neverLeaks(t, res.body, path)
    if (res.status >= 400) {
      const body = JSON.parse(res.body.toString())
      t.equal(body.statusCode, res.status, `${path}: Fastify error format`)
      t.type(body.message, 'string')
    }
  }
})

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

t.test('dotfiles: ignore (404), deny (403), allow (200)', async (t) => {
  for (const [dotfiles, status] of [['ignore', 404], ['deny', 403], ['allow', 200]] as const) {
    const { app, base } = await startApp(fx.root, { dotfiles })
    const env = await request(base, '/files/.env')
    t.equal(env.status, status, `${dotfiles}: .env`)
    t.equal((await request(base, '/files/.hidden/inside.txt')).status, status, `${dotfiles}: a file in a dot folder`)
    t.equal((await request(base, '/files/link-to-dotfile')).status, status, `${dotfiles}: a link to a dotfile`)
    if (status === 403) t.equal(JSON.parse(env.body.toString()).code, 'FST_DOWNLOADS_DOTFILE_DENIED')
    await app.close()
  }
})

t.test('a FIFO or other non-regular file is a 404, and does not hang the server', async (t) => {
  const fifo = join(fx.root, 'pipe')
  execFileSync('mkfifo', [fifo])
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  const res = await request(base, '/files/pipe')
  t.equal(res.status, 404)
})

t.test('FileNameSchema and FilePathSchema: Fastify 400 before any file system call', async (t) => {
  // Fastify's own maxParamLength (100) would answer a long name with 414 before the schema runs.
  const { app, base } = await startApp(fx.root, {}, { maxParamLength: 2000 }, (app) => {
    app.get('/named/:name', { schema: { params: Type.Object({ name: FileNameSchema }) } },
      (req, reply) => reply.download((req.params as { name: string }).name))
    app.get('/tree/*', { schema: { params: Type.Object({ '*': FilePathSchema }) } },
      (req, reply) => reply.download((req.params as Record<string, string>)['*']!))
  })
  t.teardown(() => app.close())
  t.equal((await request(base, '/named/alphabet.txt')).status, 200)
  t.equal((await request(base, '/named/' + encodeURIComponent('Résumé – 2026 ✓.pdf'))).status, 200)
  for (const bad of ['..', '.', '..%2Foutside.txt', 'a%2Fb', 'a%5Cb', 'a%00b', 'a%0Ab', 'a%0D%0Ab', 'x'.repeat(256) + '.txt']) {
    const res = await request(base, '/named/' + bad)
    t.equal(res.status, 400, `name ${bad.slice(0, 20)}`)
    t.equal(JSON.parse(res.body.toString()).code, 'FST_ERR_VALIDATION')
  }
  t.equal((await request(base, '/tree/sub/deeper/nested.txt')).status, 200)
  for (const bad of ['sub/../../outside.txt', 'sub//nested.txt', '%2Fetc%2Fpasswd', 'sub/./deeper/nested.txt', 'sub/deeper/', '..']) {
    const res = await request(base, '/tree/' + bad)
    t.equal(res.status, 400, `path ${bad}`)
    neverLeaks(t, res.body, bad)
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
