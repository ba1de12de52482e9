// s3Store() against a real Swift that fails: stopped mid-download, hanging (SIGSTOP), a client that
// leaves mid-body or while the HEAD is in flight (the store's connection must close), and wrong
// credentials (a 502 that names the bucket and never the secret or a signature, in no log line and no
// body). One Swift serves the whole file; the case that stops its proxy runs last.
import t, { type Test } from 'tap'
import { createHash } from 'node:crypto'
import { createReadStream, mkdtempSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import type { DownloadOptions, DownloadOutcome } from '../../lib/index.js'
import { clientSignal, s3Store, type S3Store } from '../../lib/s3/index.js'
import { startApp } from '../helpers/app.js'
import { writeRandomFile } from '../helpers/clients.js'
import { request } from '../helpers/http.js'
import { abortAfterMs, waitFor } from '../helpers/lifecycle.js'
import { logCapture, type LogLine } from '../helpers/logs.js'
import { startSwift, type SwiftStore } from '../helpers/swift.js'

t.setTimeout(240_000)

const swift = await startSwift(t)
if (swift !== undefined) await suite(swift)

async function suite (s: SwiftStore): Promise<void> {
  t.comment(`swift up in ${s.startupMs} ms (proxy ${s.proxyPid} on ${s.proxyPort})`)
  const root = mkdtempSync(join(tmpdir(), 'fdl-s3-failures-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))

  // The proxy leads a process group with its worker (workers = 1 forks one): the worker serves the
  // connections, so SIGSTOP goes to the whole group, not to proxyPid alone.
  let paused = false
  const pause = (): void => { process.kill(-s.proxyPid, 'SIGSTOP'); paused = true }
  const resume = (): void => {
    if (!paused) return
    paused = false
    try { process.kill(-s.proxyPid, 'SIGCONT') } catch {}
  }
  t.teardown(resume)

  const SMALL_KEY = 'docs/q3 report.pdf'
  const SMALL = Buffer.from('%PDF-1.4 the small report\n%%EOF\n')
  const small = await s.put(SMALL_KEY, SMALL, 'application/pdf')
  const BIG_KEY = 'big/blob.bin'
  const BIG_SIZE = 64 * 1024 * 1024
  const BIG_FILE = join(s.dir, 'blob.bin')
  await writeRandomFile(BIG_FILE, BIG_SIZE)
  await s.putFile(BIG_KEY, BIG_FILE, 'application/octet-stream')
  /** The SHA-256 of the object's first `length` bytes. */
  const prefixSha = async (length: number): Promise<string> => {
    const hash = createHash('sha256')
    if (length > 0) for await (const chunk of createReadStream(BIG_FILE, { end: length - 1 })) hash.update(chunk as Buffer)
    return hash.digest('hex')
  }

  const store = s3Store({ endpoint: s.endpoint, region: s.region, bucket: s.bucket, forcePathStyle: true, credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } })

  /** An app on a loopback port whose log lines (every level) are kept, closed when the test ends. */
  const appFor = async (t: Test, routes: (app: FastifyInstance) => void): Promise<{ base: string, lines: LogLine[] }> => {
    const { stream, lines } = logCapture()
    const { app, base } = await startApp(root, {}, { logger: { stream, level: 'trace' } }, routes)
    t.teardown(() => app.close())
    return { base, lines }
  }
  /** GET /s3/<key> serves the key from `from` (source() without a signal), with the given options. */
  const serve = (from: S3Store, options: () => DownloadOptions = () => ({})) => (app: FastifyInstance): void => {
    app.get('/s3/*', async (req, reply) => {
      const object = await from.source((req.params as Record<string, string>)['*']!, { required: true })
      return reply.download(object!, options())
    })
  }
  /** Polls an async check every 25 ms until it holds or `ms` pass. */
  const until = async (check: () => Promise<boolean>, ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms
    for (;;) {
      if (await check()) return true
      if (Date.now() > deadline) return false
      await sleep(25)
    }
  }
  /**
   * No connection to the proxy at all: undici closes an idle pooled connection after its 4 s
   * keep-alive timeout, so an earlier request's socket is gone and the next request opens a new one.
   */
  const idle = async (t: Test): Promise<void> => {
    t.ok(await until(async () => await s.connections() === 0, 10_000), `no connection to the proxy is left open before the case (${await s.connections()} open)`)
  }
  /**
   * The peers (client address:port) of the ESTABLISHED connections to the proxy: what
   * `s.connections()` counts, by name, so one connection can be followed. After an aborted request
   * Node 20's undici (6.x) opens a fresh connection to the origin at once, which stays idle until its
   * keep-alive timeout closes it: the count alone would not say whether the aborted one closed.
   */
  const peers = async (): Promise<Set<string>> => {
    const port = s.proxyPort.toString(16).toUpperCase().padStart(4, '0')
    const found = new Set<string>()
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      const text = await readFile(table, 'utf8').catch(() => '')
      for (const line of text.split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/)
        if (fields[3] === '01' && fields[1]?.split(':')[1] === port) found.add(fields[2]!)
      }
    }
    return found
  }
  const overlaps = (a: Set<string>, b: Set<string>): boolean => [...a].some((peer) => b.has(peer))
  /** undici's default keep-alive timeout for an idle pooled connection. */
  const UNDICI_IDLE_MS = 4_000
  const FORBIDDEN = ['X-Amz-Signature', 'Signature=', 'AWS4-HMAC-SHA256 Credential', 'secretAccessKey', 'SignatureProvided', 'StringToSign']
  /** None of `needles` in any log line (serialized whole) nor in any of `bodies`. */
  const noneOf = (t: Test, needles: string[], lines: LogLine[], bodies: Buffer[]): void => {
    t.ok(lines.length > 0, `log lines were captured (${lines.length})`)
    for (const needle of needles) {
      const line = lines.find((l) => JSON.stringify(l).includes(needle))
      t.equal(line, undefined, `no log line contains ${JSON.stringify(needle)}${line === undefined ? '' : `: ${JSON.stringify(line)}`}`)
      t.notOk(bodies.some((b) => b.toString('latin1').includes(needle)), `no response body contains ${JSON.stringify(needle)}`)
    }
  }

  /**
   * A GET whose body is read as it comes, until the response closes: whether it ended cleanly (`end`,
   * all of Content-Length) or was cut.
   */
  const watchGet = (base: string, path: string): {
    got: () => number
    destroy: () => void
    done: Promise<{ status: number, headers: IncomingHttpHeaders, got: number, ended: boolean, cut: boolean, sha: string }>
  } => {
    let got = 0
    let ended = false
    let cut = false
    const hash = createHash('sha256')
    const req = httpRequest(base + path, { agent: false })
    const done = new Promise<{ status: number, headers: IncomingHttpHeaders, got: number, ended: boolean, cut: boolean, sha: string }>((resolve, reject) => {
      req.on('response', (res) => {
        res.on('data', (chunk: Buffer) => { got += chunk.length; hash.update(chunk) })
        res.on('end', () => { ended = true })
        res.on('aborted', () => { cut = true })
        res.on('error', () => { cut = true })
        res.on('close', () => resolve({ status: res.statusCode!, headers: res.headers, got, ended, cut, sha: hash.digest('hex') }))
      })
      req.on('error', (err) => { if (!req.destroyed) reject(err) })
    })
    req.end()
    return { got: () => got, destroy: () => req.destroy(), done }
  }

  await t.test('wrong credentials: a 502 FST_DOWNLOADS_STORE_DENIED naming the bucket, never the secret nor a signature', async (t) => {
    const SECRET = 'wrong-secret-value-123'
    const wrong = s3Store({ endpoint: s.endpoint, region: s.region, bucket: s.bucket, forcePathStyle: true, credentials: { accessKeyId: s.accessKeyId, secretAccessKey: SECRET } })

    // Swift's 403 to a GET echoes the string signed and the signature provided in its error body. The
    // HEAD that source() makes has no body, so to reach the GET with the wrong secret this forwarder
    // answers HEAD /<bucket>/<key> itself (a HEAD signed with the right secret) and passes every other
    // request to Swift unchanged, Authorization header and all. It keeps the signatures it saw.
    const signatures: string[] = []
    const forwarder: Server = createServer((req, res) => {
      const signature = /Signature=([0-9a-f]{64})/.exec(req.headers.authorization ?? '')?.[1]
      if (signature !== undefined) signatures.push(signature)
      const path = req.url!
      if (req.method === 'HEAD') {
        const key = path.slice(`/${s.bucket}/`.length).split('?')[0]!.split('/').map(decodeURIComponent).join('/')
        s.request(key, { method: 'HEAD' }).then((head) => {
          res.writeHead(head.status, { etag: head.headers.etag!, 'content-length': head.headers['content-length']!, 'last-modified': head.headers['last-modified']!, 'content-type': head.headers['content-type']! })
          res.end()
        }, (err: Error) => res.destroy(err))
        return
      }
      const upstream = httpRequest({ host: '127.0.0.1', port: s.proxyPort, method: req.method, path, headers: req.headers, agent: false }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers)
        answer.pipe(res)
      })
      upstream.on('error', (err) => res.destroy(err))
      req.pipe(upstream)
    })
    await new Promise<void>((resolve) => forwarder.listen(0, '127.0.0.1', resolve))
    t.teardown(() => new Promise((resolve) => forwarder.close(resolve)))
    const forwarded = `http://127.0.0.1:${(forwarder.address() as { port: number }).port}`
    const wrongGet = s3Store({ endpoint: forwarded, region: s.region, bucket: s.bucket, forcePathStyle: true, credentials: { accessKeyId: s.accessKeyId, secretAccessKey: SECRET } })

    const { base, lines } = await appFor(t, (app) => {
      serve(wrong)(app)
      app.get('/get/*', async (req, reply) => {
        const object = await wrongGet.source((req.params as Record<string, string>)['*']!)
        return reply.download(object!)
      })
    })
    const bodies: Buffer[] = []

    // The HEAD refused (no body: the code is the status alone).
    const head = await request(base, '/s3/' + encodeURIComponent(SMALL_KEY))
    bodies.push(head.body)
    t.equal(head.status, 502)
    t.same(JSON.parse(head.body.toString()), {
      statusCode: 502,
      code: 'FST_DOWNLOADS_STORE_DENIED',
      error: 'Bad Gateway',
      message: 'The object store refused the request'
    }, 'Fastify\'s error format: the bucket and the status are for the log, not the client')

    // The GET refused: Swift's body carries <StringToSign> and <SignatureProvided>; only its <Code> may leave.
    const get = await request(base, '/get/' + encodeURIComponent(SMALL_KEY))
    bodies.push(get.body)
    t.equal(get.status, 502)
    t.same(JSON.parse(get.body.toString()), {
      statusCode: 502,
      code: 'FST_DOWNLOADS_STORE_DENIED',
      error: 'Bad Gateway',
      message: 'The object store refused the request'
    }, 'the GET refused: nothing of the store\'s body reaches the client')
    t.ok(signatures.length >= 1, `the forwarder saw the GET's signature (${signatures.length})`)
    // Confirm the forwarder really passed Swift's echo: the same request signed again is refused with it.
    const echo = await s.request(SMALL_KEY, { secretAccessKey: SECRET })
    t.match(echo.body.toString(), /<SignatureProvided>[0-9a-f]{64}<\/SignatureProvided>/, 'Swift echoes the signature in a 403 body (what must not leak)')

    await waitFor(() => lines.filter((l) => l.level === 50).length >= 2, 2000)
    const errors = lines.filter((l) => l.level === 50)
    t.equal(errors.length, 2, 'one error line per 502')
    for (const line of errors) {
      t.match(line.err, { code: 'FST_DOWNLOADS_STORE_DENIED', bucket: s.bucket, status: 403 }, 'the error line carries the code, the bucket and the status')
    }
    t.ok(errors.some((line) => (line.err as { s3Code?: string }).s3Code === 'SignatureDoesNotMatch'), 'and the S3 error code of the GET\'s body')
    t.notOk(bodies.some((body) => body.toString().includes(s.bucket)), 'no response names the bucket')
    noneOf(t, [SECRET, ...FORBIDDEN, ...signatures], lines, bodies)
  })

  await t.test('right credentials: no log line of a download, a 412 or a 502 holds a secret or a signature', async (t) => {
    // The 502: a store that answers 500 with a body echoing the request's Authorization header.
    const signatures: string[] = []
    const echoing: Server = createServer((req, res) => {
      const auth = req.headers.authorization ?? ''
      const signature = /Signature=([0-9a-f]{64})/.exec(auth)?.[1]
      if (signature !== undefined) signatures.push(signature)
      if (req.method === 'HEAD') {
        res.writeHead(200, { etag: small.etag, 'content-length': SMALL.length, 'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT' })
        res.end()
        return
      }
      res.writeHead(500, { 'content-type': 'application/xml' })
      res.end(`<?xml version="1.0"?><Error><Code>InternalError</Code><Message>could not check ${auth}</Message></Error>`)
    })
    await new Promise<void>((resolve) => echoing.listen(0, '127.0.0.1', resolve))
    t.teardown(() => new Promise((resolve) => echoing.close(resolve)))
    const failing = s3Store({ endpoint: `http://127.0.0.1:${(echoing.address() as { port: number }).port}`, region: s.region, bucket: s.bucket, forcePathStyle: true, credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } })

    const { base, lines } = await appFor(t, (app) => {
      serve(store)(app)
      app.get('/failing/*', async (req, reply) => reply.download((await failing.source((req.params as Record<string, string>)['*']!))!))
    })
    const path = '/s3/' + encodeURIComponent(SMALL_KEY)
    const ok = await request(base, path)
    t.equal(ok.status, 200)
    t.same(ok.body, SMALL, 'the download')
    const failed = await request(base, path, { headers: { 'if-match': '"not-the-etag"' } })
    t.equal(failed.status, 412, 'If-Match that does not match')
    const bad = await request(base, '/failing/' + encodeURIComponent(SMALL_KEY))
    t.equal(bad.status, 502)
    t.same(JSON.parse(bad.body.toString()), {
      statusCode: 502,
      code: 'FST_DOWNLOADS_STORE_ERROR',
      error: 'Bad Gateway',
      message: 'The object store failed'
    }, 'a 5xx is FST_DOWNLOADS_STORE_ERROR')
    t.ok(signatures.length >= 2, `the echoing store saw the HEAD's and the GET's signatures (${signatures.length})`)
    await waitFor(() => lines.some((l) => l.level === 50), 2000)
    t.ok(lines.some((l) => l.level === 50 && JSON.stringify(l).includes('FST_DOWNLOADS_STORE_ERROR')), 'the 502 was logged as an error')
    noneOf(t, [...FORBIDDEN, ...signatures], lines, [ok.body, failed.body, bad.body])
  })

  await t.test('a client that leaves mid-body: the store\'s connection closes and cleanup runs once, aborted', async (t) => {
    const outcomes: DownloadOutcome[] = []
    const { base } = await appFor(t, serve(store, () => ({ throttle: { bytesPerSecond: 2 * 1024 * 1024 }, cleanup: (o) => { outcomes.push(o) } })))
    await idle(t)
    const baseline = await s.connections()
    const client = watchGet(base, '/s3/' + BIG_KEY)
    t.ok(await until(async () => client.got() >= 256 * 1024, 10_000), `the body is flowing (${client.got()} bytes)`)
    const during = await peers()
    t.equal(await s.connections(), baseline + 1, `one connection to the store while downloading (baseline ${baseline})`)
    t.equal(during.size, 1, `the GET's connection: ${[...during].join(', ')}`)
    client.destroy()
    const left = Date.now()
    const { got, ended } = await client.done
    t.notOk(ended, 'the client did not read to the end')
    t.ok(await until(async () => !overlaps(await peers(), during), 2_000),
      `the GET's connection closed after the client left (${Date.now() - left} ms; open now: ${[...await peers()].join(', ') || 'none'})`)
    t.ok(await until(async () => await s.connections() === baseline, UNDICI_IDLE_MS + 2_000),
      `connections() back at the baseline ${baseline} (${await s.connections()} open, ${Date.now() - left} ms)`)
    t.ok(await waitFor(() => outcomes.length === 1, 5000), 'cleanup ran')
    await sleep(500)
    t.equal(outcomes.length, 1, 'cleanup ran exactly once')
    t.match(outcomes[0], { statusCode: 200, aborted: true }, 'the outcome: aborted')
    t.ok(outcomes[0]!.bytesSent >= got && outcomes[0]!.bytesSent < BIG_SIZE, `bytesSent ${outcomes[0]!.bytesSent}: at least what the client read (${got}), less than the object`)
  })

  await t.test('a client that leaves while the HEAD is in flight: clientSignal() aborts the HEAD', async (t) => {
    const results: Array<{ route: string, error?: Error, ms: number }> = []
    const { base } = await appFor(t, (app) => {
      for (const [route, signal] of [['with', true], ['without', false]] as const) {
        app.get(`/${route}/*`, async (req, reply) => {
          const started = Date.now()
          try {
            const object = await store.source((req.params as Record<string, string>)['*']!, signal ? { signal: clientSignal(reply) } : {})
            results.push({ route, ms: Date.now() - started })
            return reply.download(object!)
          } catch (err) {
            results.push({ route, error: err as Error, ms: Date.now() - started })
            throw err
          }
        })
      }
    })
    /** The client asks `path` and leaves after 300 ms; resolves with the connections to the store while it waited. */
    const leaveDuringHead = async (path: string): Promise<Set<string>> => {
      const leaving = abortAfterMs(base, path + encodeURIComponent(SMALL_KEY), 300)
      let open = new Set<string>()
      await until(async () => (open = await peers()).size === 1, 280)
      await leaving
      return open
    }
    await idle(t)
    const baseline = await s.connections()
    pause()
    try {
      // The store's default timeout (30 s) is far off: a HEAD that stops now was aborted, not timed out.
      const during = await leaveDuringHead('/with/')
      t.equal(during.size, baseline + 1, `the HEAD's connection was open while the client waited: ${[...during].join(', ')} (baseline ${baseline})`)
      const left = Date.now()
      t.ok(await until(async () => !overlaps(await peers(), during), 2_000),
        `the HEAD's connection closed once the client left (${Date.now() - left} ms; open now: ${[...await peers()].join(', ') || 'none'})`)
      t.ok(await waitFor(() => results.length === 1, 2000), 'source() settled')
      t.match(results[0]?.error, { code: 'FST_DOWNLOADS_CLIENT_GONE', statusCode: 499 }, 'source() rejected with clientSignal()\'s reason')
      t.ok(await until(async () => await s.connections() === baseline, UNDICI_IDLE_MS + 2_000),
        `connections() back at the baseline ${baseline} (${await s.connections()} open, ${Date.now() - left} ms)`)

      // The control: without the signal the HEAD outlives the client (so what is measured above is the abort).
      const control = await leaveDuringHead('/without/')
      t.equal(control.size, baseline + 1, 'without clientSignal(): the HEAD\'s connection is open')
      await sleep(1000)
      t.ok(overlaps(await peers(), control), 'without clientSignal(): still open 1 s after the client left')
      t.equal(results.length, 1, 'without clientSignal(): source() is still waiting')
    } finally {
      resume()
    }
    t.ok(await waitFor(() => results.length === 2, 5000), 'without clientSignal(): the HEAD is answered once the store resumes')
    t.equal(results[1]?.error, undefined, 'and source() resolved')
  })

  await t.test('a store that hangs: 502 FST_DOWNLOADS_STORE_TIMEOUT after `timeout`', async (t) => {
    const hasty = s3Store({ endpoint: s.endpoint, region: s.region, bucket: s.bucket, forcePathStyle: true, timeout: 500, credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } })
    const { base, lines } = await appFor(t, (app) => {
      serve(hasty)(app)
      // The HEAD answered, then the store hangs before the GET: the GET's answer has the same deadline.
      app.get('/then-hang/*', async (req, reply) => {
        const object = await hasty.source((req.params as Record<string, string>)['*']!)
        pause()
        return reply.download(object!)
      })
    })
    const expected = {
      statusCode: 502,
      code: 'FST_DOWNLOADS_STORE_TIMEOUT',
      error: 'Bad Gateway',
      message: 'The object store did not answer in time'
    }
    const bodies: Buffer[] = []
    pause()
    try {
      const started = Date.now()
      const res = await request(base, '/s3/' + encodeURIComponent(SMALL_KEY))
      const ms = Date.now() - started
      bodies.push(res.body)
      t.equal(res.status, 502, 'a HEAD with no answer')
      t.same(JSON.parse(res.body.toString()), expected, 'Fastify\'s error format')
      t.ok(ms >= 480 && ms < 3000, `answered after the 500 ms timeout, within a few seconds (${ms} ms)`)
    } finally {
      resume()
    }
    t.equal((await request(base, '/s3/' + encodeURIComponent(SMALL_KEY))).status, 200, 'the store answers again once resumed')
    try {
      const started = Date.now()
      const res = await request(base, '/then-hang/' + encodeURIComponent(SMALL_KEY))
      const ms = Date.now() - started
      bodies.push(res.body)
      t.equal(res.status, 502, 'a GET with no answer')
      t.same(JSON.parse(res.body.toString()), expected, 'the same error')
      t.ok(ms >= 480 && ms < 3000, `within a few seconds (${ms} ms)`)
    } finally {
      resume()
    }
    noneOf(t, FORBIDDEN, lines, bodies)
  })

  // Last: it stops the proxy.
  await t.test('the store stopped mid-download: the response is cut, cleanup runs once, later requests are 502', async (t) => {
    const outcomes: DownloadOutcome[] = []
    const { base, lines } = await appFor(t, serve(store, () => ({ throttle: { bytesPerSecond: 8 * 1024 * 1024 }, cleanup: (o) => { outcomes.push(o) } })))
    const whole = watchGet(base, '/s3/' + BIG_KEY)
    t.ok(await until(async () => whole.got() >= 4 * 1024 * 1024, 20_000), `4 MiB arrived (${whole.got()})`)
    const stopping = Date.now()
    await s.stopProxy()
    t.comment(`proxy stopped in ${Date.now() - stopping} ms, after ${whole.got()} bytes`)
    const res = await whole.done
    t.equal(res.status, 200)
    t.equal(res.headers['content-length'], String(BIG_SIZE), 'the whole object was announced')
    t.ok(res.got < BIG_SIZE, `fewer bytes than Content-Length arrived (${res.got} of ${BIG_SIZE})`)
    t.notOk(res.ended, 'the response never ended cleanly')
    t.ok(res.cut, 'the client saw the response cut')
    t.equal(res.sha, await prefixSha(res.got), 'what arrived is the object\'s first bytes')
    t.ok(await waitFor(() => outcomes.length === 1, 5000), 'cleanup ran')
    await sleep(500)
    t.equal(outcomes.length, 1, 'cleanup ran exactly once')
    const outcome = outcomes[0]!
    t.match(outcome, { statusCode: 200, aborted: true }, 'the outcome: aborted')
    t.type(outcome.error, Error, `the outcome has the error (${outcome.error?.message})`)
    t.ok(outcome.bytesSent >= res.got && outcome.bytesSent < BIG_SIZE, `bytesSent ${outcome.bytesSent}: what the client got (${res.got}) or more, less than the object`)

    const later = await request(base, '/s3/' + encodeURIComponent(SMALL_KEY))
    t.equal(later.status, 502, 'a request while the store is down')
    t.same(JSON.parse(later.body.toString()), {
      statusCode: 502,
      code: 'FST_DOWNLOADS_STORE_UNREACHABLE',
      error: 'Bad Gateway',
      message: 'The object store could not be reached'
    }, 'Fastify\'s error format')
    noneOf(t, FORBIDDEN, lines, [later.body])
  })
}
