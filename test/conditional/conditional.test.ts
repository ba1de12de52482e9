import t from 'tap'
import { utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { makeFixture, startApp } from '../helpers/app.js'
import { request } from '../helpers/http.js'

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

t.test('304 carries the Cache-Control a 200 would have carried, also one the app set on the reply', async (t) => {
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.get('/private/*', (req, reply) => {
      reply.header('cache-control', 'private, max-age=60')
      return reply.download((req.params as Record<string, string>)['*']!)
    })
  })
  t.teardown(() => app.close())
  const ok = await request(base, '/private/alphabet.txt')
  t.equal(ok.status, 200)
  t.equal(ok.headers['cache-control'], 'private, max-age=60', 'README: a header the app set on the reply wins')
  // RFC 9110 §15.4.5: "The server generating a 304 response MUST generate any of the following header fields that would have been sent in a 200 (OK) response to the same request: ... Cache-Control and Expires"
  const etag = await request(base, '/private/alphabet.txt', { headers: { 'if-none-match': ok.headers.etag! } })
  t.equal(etag.status, 304)
  t.equal(etag.headers['cache-control'], 'private, max-age=60', '304 on If-None-Match')
  const date = await request(base, '/private/alphabet.txt', { headers: { 'if-modified-since': ok.headers['last-modified']! } })
  t.equal(date.status, 304)
  t.equal(date.headers['cache-control'], 'private, max-age=60', '304 on If-Modified-Since')
  const head = await request(base, '/private/alphabet.txt', { method: 'HEAD', headers: { 'if-none-match': ok.headers.etag! } })
  t.equal(head.status, 304)
  t.equal(head.headers['cache-control'], 'private, max-age=60', '304 to a HEAD')
})

t.test('304: ETag and Cache-Control as on the 200, caller headers, no body, no wrong Content-Length', async (t) => {
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.get('/vary/*', (req, reply) => reply.download((req.params as Record<string, string>)['*']!, { headers: { vary: 'Accept-Encoding', expires: 'Thu, 01 Jan 2037 00:00:00 GMT' } }))
  })
  t.teardown(() => app.close())
  const ok = await request(base, '/vary/alphabet.txt')
  for (const method of ['GET', 'HEAD']) {
    const res = await request(base, '/vary/alphabet.txt', { method, headers: { 'if-none-match': `W/${ok.headers.etag!}` } })
    // RFC 9110 §13.1.2: If-None-Match uses the weak comparison; a match on GET/HEAD answers 304.
    t.equal(res.status, 304, method)
    // RFC 9110 §15.4.5: "... Content-Location, Date, ETag, and Vary; Cache-Control and Expires"
    t.equal(res.headers.etag, ok.headers.etag, `${method} etag`)
    t.equal(res.headers.vary, 'Accept-Encoding', `${method} vary`)
    t.equal(res.headers.expires, 'Thu, 01 Jan 2037 00:00:00 GMT', `${method} expires`)
    t.equal(res.headers['cache-control'], ok.headers['cache-control'], `${method} cache-control`)
    t.ok(res.headers.date, `${method} date`)
    // RFC 9110 §15.4.5: "A 304 response is terminated by the end of the header section; it cannot contain content"
    t.equal(res.body.length, 0, `${method} no body`)
    // RFC 9110 §8.6: a server "MUST NOT send Content-Length in such a response unless its field value equals the decimal number of octets that would have been sent in the content of a 200"
    if (res.headers['content-length'] !== undefined) t.equal(res.headers['content-length'], '26', `${method} content-length`)
    t.notOk(res.headers['transfer-encoding'], `${method} not chunked`)
  }
})

t.test('Last-Modified is never later than Date (RFC 9110 section 8.8.2.1)', async (t) => {
  const future = new Date(Date.now() + 2 * 86400_000)
  writeFileSync(join(fx.root, 'future.txt'), 'from the future')
  utimesSync(join(fx.root, 'future.txt'), future, future)
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.get('/buffer', (_req, reply) => reply.download(Buffer.from('hello'), 'b.txt', { lastModified: future }))
    app.get('/ranged', (_req, reply) => reply.download({ size: 5, etag: '"r"', lastModified: future, open: () => Readable.from([Buffer.from('hello')]) }, 'r.txt'))
  })
  t.teardown(() => app.close())
  for (const path of ['/files/future.txt', '/buffer', '/ranged']) {
    const res = await request(base, path)
    t.equal(res.status, 200, path)
    // RFC 9110 §8.8.2.1: "An origin server with a clock ... MUST NOT generate a Last-Modified date that is later than the server's time of message origination (Date)."
    t.ok(Date.parse(res.headers['last-modified']!) <= Date.parse(res.headers.date!),
      `${path}: Last-Modified ${res.headers['last-modified']} <= Date ${res.headers.date}`)
  }
})

t.test('If-Range with the Last-Modified date in each of the three HTTP-date forms', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  // fx.oldDate is 2024-01-02T03:04:05Z. RFC 9110 §5.6.7: "Recipients ... MUST accept all three HTTP-date formats".
  const forms = ['Tue, 02 Jan 2024 03:04:05 GMT', 'Tuesday, 02-Jan-24 03:04:05 GMT', 'Tue Jan  2 03:04:05 2024']
  for (const ifRange of forms) {
    const res = await request(base, '/files/alphabet.txt', { headers: { range: 'bytes=0-4', 'if-range': ifRange } })
    // RFC 9110 §13.1.5: the condition is true if the HTTP-date "exactly matches the Last-Modified field value"
    t.equal(res.status, 206, ifRange)
    t.equal(res.body.toString(), 'abcde', ifRange)
  }
  for (const ifRange of ['Tue, 02 Jan 2024 03:04:06 GMT', 'Tuesday, 02-Jan-24 03:04:04 GMT', 'Tue Jan  2 03:04:05 2023', 'not a date']) {
    const res = await request(base, '/files/alphabet.txt', { headers: { range: 'bytes=0-4', 'if-range': ifRange } })
    // RFC 9110 §13.1.5: "Otherwise, the condition is false" -> the Range is ignored, 200 with the whole representation.
    t.equal(res.status, 200, ifRange)
    t.equal(res.body.toString(), fx.alphabet.toString(), ifRange)
  }
})

t.test('If-None-Match with a non-matching weak tag does not stop a 206; a matching weak tag beats Range', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  const { headers } = await request(base, '/files/alphabet.txt')
  const other = await request(base, '/files/alphabet.txt', { headers: { range: 'bytes=0-1', 'if-none-match': 'W/"other", "also-other"' } })
  t.equal(other.status, 206)
  t.equal(other.body.toString(), 'ab')
  // RFC 9110 §13.2.2: step 3 (If-None-Match) comes before step 5 (Range).
  const same = await request(base, '/files/alphabet.txt', { headers: { range: 'bytes=0-1', 'if-none-match': `"x", W/${headers.etag!}` } })
  t.equal(same.status, 304)
})

t.test('conditional headers repeated on several lines are one list (RFC 9110 section 5.3)', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  const { headers } = await request(base, '/files/alphabet.txt')
  // RFC 9110 §5.3: several field lines of a list field are combined with commas; any listed tag may match.
  const ifMatch = await request(base, '/files/alphabet.txt', { headers: { 'if-match': ['"nope"', headers.etag!] as unknown as string } })
  t.equal(ifMatch.status, 200, 'If-Match on two lines')
  const ifNoneMatch = await request(base, '/files/alphabet.txt', { headers: { 'if-none-match': ['"nope"', headers.etag!] as unknown as string } })
  t.equal(ifNoneMatch.status, 304, 'If-None-Match on two lines')
  // RFC 9110 §13.1.4: "A recipient MUST ignore the If-Unmodified-Since header field if the received field value is not a valid HTTP-date (including when the field value appears to be a list of dates)"
  const list = await request(base, '/files/alphabet.txt', { headers: { 'if-unmodified-since': 'Mon, 01 Jan 2024 00:00:00 GMT, Mon, 01 Jan 2024 00:00:00 GMT' } })
  t.equal(list.status, 200, 'If-Unmodified-Since list ignored')
  // RFC 9110 §13.1.3: "A recipient MUST ignore If-Modified-Since if ... the field value has more than one member"
  const imsList = await request(base, '/files/alphabet.txt', { headers: { 'if-modified-since': `${headers['last-modified']!}, ${headers['last-modified']!}` } })
  t.equal(imsList.status, 200, 'If-Modified-Since list ignored')
  // RFC 9110 §13.1.1: If-Match uses the strong comparison; a weak tag never matches.
  const weak = await request(base, '/files/alphabet.txt', { headers: { 'if-match': `W/${headers.etag!}` } })
  t.equal(weak.status, 412)
})

t.test('other methods: Range is ignored, If-None-Match match is 412, If-Modified-Since is ignored', async (t) => {
  const { app, base } = await startApp(fx.root, {}, {}, (app) => {
    app.post('/post/*', (req, reply) => reply.download((req.params as Record<string, string>)['*']!))
    app.put('/put/*', (req, reply) => reply.download((req.params as Record<string, string>)['*']!))
  })
  t.teardown(() => app.close())
  const { headers } = await request(base, '/files/alphabet.txt')
  for (const method of ['POST', 'PUT']) {
    const path = `/${method.toLowerCase()}/alphabet.txt`
    // RFC 9110 §14.2: "A server MUST ignore a Range header field received with a request method that is unrecognized or for which range handling is not defined."
    const ranged = await request(base, path, { method, headers: { range: 'bytes=0-1' } })
    t.equal(ranged.status, 200, `${method} Range`)
    t.equal(ranged.body.toString(), fx.alphabet.toString())
    // RFC 9110 §13.1.2: "... or 412 (Precondition Failed) status code for all other request methods."
    const inm = await request(base, path, { method, headers: { 'if-none-match': headers.etag! } })
    t.equal(inm.status, 412, `${method} If-None-Match`)
    // RFC 9110 §13.1.3: "A recipient MUST ignore If-Modified-Since if ... the request method is neither GET nor HEAD."
    const ims = await request(base, path, { method, headers: { 'if-modified-since': headers['last-modified']! } })
    t.equal(ims.status, 200, `${method} If-Modified-Since`)
  }
})
