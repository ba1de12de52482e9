// sdkStore() over an @aws-sdk/client-s3 v3 S3Client against a real Swift: the same downloads as the
// fetch store (whole, a range, several ranges, 304, 412, a missing key, an object overwritten between
// the HEAD and the GET), presign() through @aws-sdk/s3-request-presigner, and wrong credentials.
import t, { type Test } from 'tap'
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { contentDisposition } from '../../lib/http/disposition.js'
import { clientSignal, sdkStore, type S3ClientLike, type S3Store } from '../../lib/s3/index.js'
import { startApp } from '../helpers/app.js'
import { parseByteranges } from '../helpers/clients.js'
import { request } from '../helpers/http.js'
import { waitFor } from '../helpers/lifecycle.js'
import { logCapture, type LogLine } from '../helpers/logs.js'
import { startSwift, type SwiftStore } from '../helpers/swift.js'

t.setTimeout(120_000)

const swift = await startSwift(t)
if (swift !== undefined) await suite(swift)

async function suite (s: SwiftStore): Promise<void> {
  t.comment(`swift up in ${s.startupMs} ms`)
  const root = mkdtempSync(join(tmpdir(), 'fdl-s3-sdk-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))

  const clientWith = (secretAccessKey: string, checksums = true): S3Client => {
    const client = new S3Client({
      endpoint: s.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: s.accessKeyId, secretAccessKey },
      ...(checksums ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } as const : {})
    })
    t.teardown(() => client.destroy())
    return client
  }
  const client = clientWith(s.secretAccessKey)
  const store = sdkStore({ client, bucket: s.bucket })

  const KEY = 'docs/alphabet.txt'
  const ALPHABET = 'abcdefghijklmnopqrstuvwxyz'
  const { etag } = await s.put(KEY, ALPHABET, 'text/plain; charset=utf-8')
  const modified = (await s.request(KEY, { method: 'HEAD' })).headers['last-modified']

  /** An app whose routes serve keys from `from` (`/sdk/<key>`), with its log lines kept. */
  const appFor = async (t: Test, from: S3Store, more?: (app: FastifyInstance) => void): Promise<{ base: string, lines: LogLine[] }> => {
    const { stream, lines } = logCapture()
    const { app, base } = await startApp(root, {}, { logger: { stream, level: 'trace' } }, (app) => {
      app.get('/sdk/*', async (req, reply) => {
        const object = await from.source((req.params as Record<string, string>)['*']!, { signal: clientSignal(reply) })
        if (object === null) return reply.callNotFound()
        return reply.download(object)
      })
      more?.(app)
    })
    t.teardown(() => app.close())
    return { base, lines }
  }

  t.test('source(): whole, a range, several ranges, 304, 412 and a missing key', async (t) => {
    const { base } = await appFor(t, store)
    const path = '/sdk/' + KEY
    const whole = await request(base, path)
    t.equal(whole.status, 200)
    t.equal(whole.body.toString(), ALPHABET)
    t.equal(whole.headers['content-length'], '26')
    t.equal(whole.headers.etag, etag, 'the store\'s ETag')
    // Swift rounds the PUT's time up to the second, and Last-Modified is never later than Date (RFC 9110 §8.8.2.1).
    t.equal(Date.parse(whole.headers['last-modified']!), Math.min(Date.parse(modified!), Date.parse(whole.headers.date!)),
      `the store's Last-Modified (${modified}), no later than Date (${whole.headers.date})`)
    t.equal(whole.headers['content-type'], 'text/plain; charset=utf-8', 'the object\'s Content-Type (the key\'s .txt agrees)')
    t.match(whole.headers['content-disposition'], /^attachment; filename="alphabet.txt"$/, 'named after the key\'s last segment')

    const range = await request(base, path, { headers: { range: 'bytes=3-7' } })
    t.equal(range.status, 206)
    t.equal(range.body.toString(), 'defgh')
    t.equal(range.headers['content-range'], 'bytes 3-7/26')

    const suffix = await request(base, path, { headers: { range: 'bytes=-4' } })
    t.equal(suffix.status, 206)
    t.equal(suffix.body.toString(), 'wxyz')

    const multi = await request(base, path, { headers: { range: 'bytes=0-1,10-12,24-' } })
    t.equal(multi.status, 206)
    const boundary = /^multipart\/byteranges; boundary=(\S+)$/.exec(String(multi.headers['content-type']))?.[1]
    t.ok(boundary, `multipart/byteranges (${multi.headers['content-type']})`)
    const parts = parseByteranges(multi.body, boundary ?? '')
    t.same(parts.map((p) => [p.headers['content-range'], p.data.toString()]),
      [['bytes 0-1/26', 'ab'], ['bytes 10-12/26', 'klm'], ['bytes 24-25/26', 'yz']], 'each range\'s bytes, from its own GET')

    const notModified = await request(base, path, { headers: { 'if-none-match': etag } })
    t.equal(notModified.status, 304)
    t.equal(notModified.body.length, 0)
    const failed = await request(base, path, { headers: { 'if-match': '"0123456789abcdef0123456789abcdef"' } })
    t.equal(failed.status, 412)
    const current = await request(base, path, { headers: { 'if-match': etag, range: 'bytes=0-0' } })
    t.equal(current.status, 206, 'If-Match with the current ETag')
    t.equal(current.body.toString(), 'a')
    const unsatisfiable = await request(base, path, { headers: { range: 'bytes=26-' } })
    t.equal(unsatisfiable.status, 416)
    t.equal(unsatisfiable.headers['content-range'], 'bytes */26')

    t.equal(await store.source('no/such/key'), null, 'source() of a missing key is null')
    await t.rejects(store.source('no/such/key', { required: true }), { code: 'FST_DOWNLOADS_NOT_FOUND', statusCode: 404 }, 'or FST_DOWNLOADS_NOT_FOUND when required')
    t.equal((await request(base, '/sdk/no/such/key')).status, 404)
    t.equal(await store.source('a/../' + KEY), null, 'a key with a ".." segment is no key (never resolved to another)')
  })

  t.test('an object overwritten between the HEAD and the GET: the new version, whole', async (t) => {
    const key = 'docs/changing.txt'
    await s.put(key, 'version 0')
    let version = 0
    const { base } = await appFor(t, store, (app) => {
      app.get('/overwrite/*', async (req, reply) => {
        const object = await store.source((req.params as Record<string, string>)['*']!)
        // The HEAD is done: a writer replaces the object (longer each time) before the GET.
        version++
        await s.put(key, `version ${version}${'!'.repeat(version)}`)
        return reply.download(object!)
      })
    })
    const res = await request(base, '/overwrite/' + key)
    t.equal(res.status, 200)
    t.equal(res.body.toString(), 'version 1!', 'the new bytes, not a mix')
    t.equal(res.headers['content-length'], String('version 1!'.length), 'the new length')
    t.equal(res.headers.etag, (await s.request(key, { method: 'HEAD' })).headers.etag, 'the new ETag')

    const ranged = await request(base, '/overwrite/' + key, { headers: { range: 'bytes=8-10' } })
    t.equal(ranged.status, 206)
    t.equal(ranged.body.toString(), '2!!', 'a range of the new version')
    t.equal(ranged.headers['content-range'], `bytes 8-10/${'version 2!!'.length}`, 'its length in Content-Range')
  })

  t.test('presign() through the SDK presigner: the bytes and the disposition', async (t) => {
    const NAME = 'Q3 réport ✓.pdf'
    for (const disposition of ['attachment', 'inline'] as const) {
      const url = await store.presign(KEY, { disposition, filename: NAME, contentType: 'application/pdf', cacheControl: 'no-store' })
      const parsed = new URL(url)
      t.equal(parsed.searchParams.get('X-Amz-Expires'), '300', 'the default expiry')
      t.equal(parsed.searchParams.get('response-content-disposition'), contentDisposition(disposition, NAME))
      t.notOk(url.includes(s.secretAccessKey), 'no secret in the URL')
      const res = await fetch(url)
      t.equal(res.status, 200, `${disposition}: 200`)
      t.equal(await res.text(), ALPHABET, 'the bytes')
      t.equal(res.headers.get('content-disposition'), contentDisposition(disposition, NAME), 'the plugin\'s encoding, applied by the store')
      t.equal(res.headers.get('content-type'), 'application/pdf')
      t.equal(res.headers.get('cache-control'), 'no-store')
    }
    const short = await store.presign('with space/é ✓.txt', { expiresIn: 60 })
    t.equal(new URL(short).searchParams.get('X-Amz-Expires'), '60')
    await s.put('with space/é ✓.txt', 'spaced')
    t.equal(await (await fetch(short)).text(), 'spaced', 'a key with spaces and non-ASCII')
    await t.rejects(store.presign(KEY, { expiresIn: 604801 }), { code: 'FST_DOWNLOADS_INVALID_OPTION' })
    await t.rejects(store.presign('a/../b'), { code: 'FST_DOWNLOADS_NOT_FOUND' })
  })

  t.test('wrong credentials: 502 FST_DOWNLOADS_STORE_DENIED, no secret in the error or the log', async (t) => {
    const SECRET = 'wrong-secret-value-123'
    const wrongClient = clientWith(SECRET)
    const wrong = sdkStore({ client: wrongClient, bucket: s.bucket })
    // The HEAD with the right client, the GET with the wrong one: Swift's 403 to a GET has a body
    // (the string signed, the signature provided), which the SDK keeps on its error.
    const split: S3ClientLike = {
      send: (command, options) => (command as object) instanceof HeadObjectCommand ? client.send(command, options) : wrongClient.send(command, options)
    }
    const wrongGet = sdkStore({ client: split, bucket: s.bucket })
    const sdkError = await wrongClient.send(new GetObjectCommand({ Bucket: s.bucket, Key: KEY })).then(() => undefined, (err: unknown) => err as Error & { $response?: unknown })
    t.match(sdkError, { name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } }, 'the SDK\'s own error for the GET')
    t.match(JSON.stringify(sdkError) + String((sdkError as { StringToSign?: string } | undefined)?.StringToSign), /AWS4-HMAC-SHA256/, 'the SDK error carries the string signed (what must not leak)')

    const errors: Error[] = []
    const { base, lines } = await appFor(t, wrong, (app) => {
      app.get('/get/*', async (req, reply) => {
        const object = await wrongGet.source((req.params as Record<string, string>)['*']!)
        return reply.download(object!)
      })
      app.addHook('onError', async (_req, _reply, err) => { errors.push(err) })
    })
    const head = await request(base, '/sdk/' + KEY)
    t.equal(head.status, 502)
    t.same(JSON.parse(head.body.toString()), {
      statusCode: 502,
      code: 'FST_DOWNLOADS_STORE_DENIED',
      error: 'Bad Gateway',
      message: 'The object store refused the request'
    }, 'the HEAD refused')
    const get = await request(base, '/get/' + KEY)
    t.equal(get.status, 502)
    t.same(JSON.parse(get.body.toString()), {
      statusCode: 502,
      code: 'FST_DOWNLOADS_STORE_DENIED',
      error: 'Bad Gateway',
      message: 'The object store refused the request'
    }, 'the GET refused: nothing of the store\'s body')

    t.equal(errors.length, 2)
    for (const err of errors) t.equal(err.cause, undefined, `${err.message}: the SDK's error is not kept as the cause`)
    await waitFor(() => lines.filter((l) => l.level === 50).length >= 2, 2000)
    const logged = lines.filter((l) => l.level === 50)
    t.equal(logged.length, 2, 'one error line per 502')
    for (const line of logged) t.match(line.err, { bucket: s.bucket, status: 403 }, `the error line names the bucket and the status: ${line.msg}`)
    t.ok(logged.some((line) => (line.err as { s3Code?: string }).s3Code === 'SignatureDoesNotMatch'), 'and the GET\'s S3 error code')
    t.ok(lines.length > 0)
    for (const needle of [SECRET, 'X-Amz-Signature', 'Signature=', 'AWS4-HMAC-SHA256', 'SignatureProvided', 'StringToSign', 'secretAccessKey']) {
      const line = lines.find((l) => JSON.stringify(l).includes(needle))
      t.equal(line, undefined, `no log line contains ${JSON.stringify(needle)}${line === undefined ? '' : `: ${JSON.stringify(line)}`}`)
      t.notOk(head.body.toString().includes(needle) || get.body.toString().includes(needle), `no response body contains ${JSON.stringify(needle)}`)
      const error = errors.find((e) => `${e.message} ${e.stack ?? ''} ${JSON.stringify(e)}`.includes(needle))
      t.equal(error, undefined, `no error contains ${JSON.stringify(needle)}`)
    }
  })

  t.test('an S3Client with the SDK\'s default checksum settings', async (t) => {
    const defaults = sdkStore({ client: clientWith(s.secretAccessKey, false), bucket: s.bucket })
    const { base } = await appFor(t, defaults)
    const whole = await request(base, '/sdk/' + KEY)
    t.equal(whole.status, 200)
    t.equal(whole.body.toString(), ALPHABET)
    const range = await request(base, '/sdk/' + KEY, { headers: { range: 'bytes=1-2' } })
    t.equal(range.status, 206)
    t.equal(range.body.toString(), 'bc')
    const res = await fetch(await defaults.presign(KEY, { filename: 'a.txt' }))
    t.equal(res.status, 200, 'a presigned URL')
    t.equal(await res.text(), ALPHABET)
  })
}
