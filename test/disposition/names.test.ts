// Content-Disposition over HTTP for hostile and unusual names (RFC 6266, RFC 8187): the ASCII fallback, the exact name in
// filename*, lone surrogates and edge spaces, and FileNameSchema's byte limit.
import t from 'tap'
import { request as httpRequest } from 'node:http'
import { Type } from '@sinclair/typebox'
import { FileNameSchema } from '../../lib/index.js'
import { makeFixture, startApp } from '../helpers/app.js'
import { request, type Response } from '../helpers/http.js'
import { dispositionNames } from '../helpers/clients.js'

const fx = makeFixture()
t.teardown(fx.remove)

/** Decodes the RFC 8187 ext-value of filename*, or undefined when absent. */
function extValue (header: string): string | undefined {
  const m = /filename\*=UTF-8''([^;\s]+)/i.exec(header)
  return m === null ? undefined : decodeURIComponent(m[1]!)
}

/** The quoted-string value of filename=, unescaped (RFC 9110 section 5.6.4). */
function quotedValue (header: string): string | undefined {
  const m = /(?:^|;\s*)filename="((?:[^"\\]|\\.)*)"/.exec(header)
  return m === null ? undefined : m[1]!.replace(/\\(.)/g, '$1')
}

/** POSTs a raw JSON text (so a `\ud83d` escape reaches the parser as it is). */
function postJson (base: string, path: string, json: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(base + path, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.setTimeout(3000, () => req.destroy(new Error('no answer in 3 s')))
    req.on('error', reject)
    req.end(json)
  })
}

t.test('Content-Disposition for hostile and unusual names (RFC 6266, RFC 8187)', async (t) => {
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.get('/as', (req, reply) => reply.download('alphabet.txt', (req.query as { n: string }).n))
  })
  t.teardown(() => app.close())
  const names = ['100%.txt', '%41%42.txt', 'a;b.txt', 'say "hi".txt', 'a,b=c.txt', '😀 party.txt', 'שלום עולם.pdf',
    'مرحبا.pdf', '.htaccess', '..hidden', 'ＡＢＣ／def.txt', 'x'.repeat(300) + '.txt', "it's (1) [2] {3}.txt", 'naïve café.txt']
  for (const name of names) {
    const res = await request(base, `/as?n=${encodeURIComponent(name)}`)
    t.equal(res.status, 200, name)
    const header = res.headers['content-disposition']!
    // RFC 6266 §4.1: disposition-type, then parameters; "attachment" for download().
    t.match(header, /^attachment; filename="/, name)
    // RFC 6266 §4.3 / README: "Always filename="…" with a readable ASCII fallback"
    const fallback = quotedValue(header)
    t.ok(fallback !== undefined && /^[\x20-\x7e]+$/.test(fallback), `${name}: ASCII fallback ${fallback}`)
    // RFC 6266 Appendix D: "Avoid including the percent character followed by two hexadecimal characters" in the fallback.
    t.notMatch(fallback ?? '', /%[0-9a-fA-F]{2}/, `${name}: no %XX in the fallback`)
    // RFC 8187 §3.2.1: the ext-value carries the exact name in UTF-8 when it is not plain ASCII.
    const exact = extValue(header) ?? fallback
    t.equal(exact, name, `${name}: exact name recoverable`)
    if (extValue(header) !== undefined) {
      // RFC 8187 §3.2.1: value-chars = *( pct-encoded / attr-char )
      t.match(/filename\*=UTF-8''([^;\s]+)/.exec(header)![1], /^(?:%[0-9A-F]{2}|[A-Za-z0-9!#$&+\-.^_`|~])+$/, `${name}: only attr-char and pct-encoded`)
    }
  }
})

t.test('the ASCII fallback: one `_` per character that has no look-alike, an emoji included', async (t) => {
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.get('/as', (req, reply) => reply.download('alphabet.txt', (req.query as { n: string }).n))
  })
  t.teardown(() => app.close())
  // README: "Accents are transliterated, common punctuation gets its ASCII look-alike, anything else becomes `_`." (✓ -> _ in its example)
  const cases: Array<[string, string]> = [['✓.txt', '_.txt'], ['😀.txt', '_.txt'], ['a😀b.txt', 'a_b.txt'], ['𝔘.txt', 'U.txt']]
  for (const [name, fallback] of cases) {
    const res = await request(base, `/as?n=${encodeURIComponent(name)}`)
    t.equal(quotedValue(res.headers['content-disposition']!), fallback, name)
    t.equal(extValue(res.headers['content-disposition']!), name, `${name} exact`)
  }
})

t.test('file names with lone surrogates: 200 with U+FFFD in filename*, an ASCII fallback', async (t) => {
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.post('/name', (req, reply) => reply.download(Buffer.from('x'), (req.body as { name: string }).name))
  })
  t.teardown(() => app.close())
  const cases: Array<[string, string]> = [
    ['"report \\ud83d.csv"', 'report \ufffd.csv'],
    ['"report\\udc00"', 'report\ufffd'],
    ['"\\ud83d"', '\ufffd']
  ]
  for (const [json, expected] of cases) {
    const res = await postJson(base, '/name', `{"name":${json}}`)
    t.equal(res.status, 200, `${json}: 200, not ${res.body.toString()}`)
    if (res.status === 200) t.equal(res.body.toString(), 'x', `${json}: the body`)
    const header = res.headers['content-disposition'] ?? ''
    t.match(header, /^attachment;/, `${json}: a Content-Disposition header`)
    let names: ReturnType<typeof dispositionNames> = {}
    t.doesNotThrow(() => { names = dispositionNames(header) }, `${json}: it parses`)
    t.equal(names.filenameStar, expected, `${json}: filename* decodes to ${JSON.stringify(expected)}`)
    t.ok(names.filename !== undefined && names.filename !== '', `${json}: an ASCII filename fallback (${names.filename})`)
    t.match(names.filename ?? '', /^[\x20-\x7e]+$/, `${json}: the fallback is ASCII`)
  }
})

t.test('the ASCII fallback neither starts nor ends with a space', async (t) => {
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.post('/name', (req, reply) => reply.download(Buffer.from('x'), (req.body as { name: string }).name))
  })
  t.teardown(() => app.close())
  const res = await postJson(base, '/name', JSON.stringify({ name: '\u00b4d.txt' }))
  t.equal(res.status, 200)
  const names = dispositionNames(res.headers['content-disposition'] ?? '')
  t.equal(names.filenameStar, '\u00b4d.txt', 'filename* keeps the exact name')
  t.notOk(/^\s|\s$/.test(names.filename ?? ' '), `the fallback ${JSON.stringify(names.filename)} is trimmed`)
  t.equal(names.filename, 'd.txt')
})

t.test('FileNameSchema: at most 255 bytes, so a name of 200 two-byte characters is a 400 before any file system call', async (t) => {
  const { app, base } = await startApp(fx.root, {}, { maxParamLength: 4096 }, (app) => {
    app.get('/named/:name', { schema: { params: Type.Object({ name: FileNameSchema }) } },
      (req, reply) => reply.download((req.params as { name: string }).name))
  })
  t.teardown(() => app.close())
  // Issue 2: "FileNameSchema: ... not empty, at most 255 bytes ... A param that fails them gets Fastify's 400 validation error before any file system call."
  const long = await request(base, `/named/${encodeURIComponent('é'.repeat(200))}`)
  t.equal(long.status, 400, '400 bytes of UTF-8')
  // JSON Schema counts characters, so the byte limit is enforced by the resolver's pure check, still before any I/O (README).
  t.equal(JSON.parse(long.body.toString()).code, 'FST_DOWNLOADS_NAME_TOO_LONG')
  const ok = await request(base, `/named/${encodeURIComponent('é'.repeat(127))}`)
  t.equal(ok.status, 404, '254 bytes pass the schema (and the file is missing)')
})
