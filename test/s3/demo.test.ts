// The demo's store routes: configured by S3_* environment variables, absent without them.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { build, storeFromEnv } from '../../examples/app.js'
import { startSwift } from '../helpers/swift.js'

t.setTimeout(180_000)

t.test('storeFromEnv: a store only when bucket and both keys are set', async (t) => {
  t.equal(storeFromEnv({}), undefined, 'no variables: no store')
  t.equal(storeFromEnv({ S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'k' }), undefined, 'no secret: no store')
  const store = storeFromEnv({ S3_BUCKET: 'reports', S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's', S3_ENDPOINT: 'http://127.0.0.1:9' })
  t.equal(store?.bucket, 'reports')
  // A custom endpoint is addressed path-style (MinIO, Swift, Ceph).
  t.match(await store!.presign('a.txt'), /^http:\/\/127\.0\.0\.1:9\/reports\/a\.txt\?/)
})

t.test('without a store the demo has no store routes', async (t) => {
  const app = await build({ store: undefined })
  t.teardown(() => app.close())
  if (storeFromEnv() !== undefined) {
    t.comment('S3_* variables are set in this environment: the store routes exist')
    return
  }
  t.equal((await app.inject('/store/a.txt')).statusCode, 404)
  t.equal((await app.inject('/healthz')).statusCode, 200, 'and still serves')
})

t.test('with a store: /store/:key proxies the object with Range, /store-link/:key redirects to a presigned URL', async (t) => {
  const swift = await startSwift(t)
  if (swift === undefined) return
  const bytes = randomBytes(10_000)
  await swift.put('demo report.bin', bytes, 'application/octet-stream')
  const store = storeFromEnv({
    S3_ENDPOINT: swift.endpoint, S3_BUCKET: swift.bucket, S3_ACCESS_KEY_ID: swift.accessKeyId, S3_SECRET_ACCESS_KEY: swift.secretAccessKey
  })!
  const app = await build({ store })
  t.teardown(() => app.close())
  const base = await app.listen({ port: 0, host: '127.0.0.1' })

  const whole = await fetch(`${base}/store/${encodeURIComponent('demo report.bin')}`)
  t.equal(whole.status, 200)
  t.same(Buffer.from(await whole.arrayBuffer()), bytes, 'the object, byte for byte')
  t.equal(whole.headers.get('content-disposition'), 'attachment; filename="demo report.bin"')

  const ranged = await fetch(`${base}/store/${encodeURIComponent('demo report.bin')}`, { headers: { range: 'bytes=100-199' } })
  t.equal(ranged.status, 206)
  t.same(Buffer.from(await ranged.arrayBuffer()), bytes.subarray(100, 200))

  const missing = await fetch(`${base}/store/nothing-here`)
  t.equal(missing.status, 404)
  t.equal((await missing.json() as { code: string }).code, 'FST_DOWNLOADS_NOT_FOUND')

  const link = await fetch(`${base}/store-link/${encodeURIComponent('demo report.bin')}`, { redirect: 'manual' })
  t.equal(link.status, 303)
  const location = link.headers.get('location')!
  t.match(location, new RegExp(`^${swift.endpoint}/${swift.bucket}/demo%20report\\.bin\\?`), 'to the store itself')
  const followed = await fetch(location)
  t.equal(followed.status, 200)
  t.same(Buffer.from(await followed.arrayBuffer()), bytes, 'the presigned URL gives the bytes')
  t.equal(followed.headers.get('content-disposition'), 'attachment; filename="demo report.bin"', 'with the disposition the plugin encoded')
})
