import t from 'tap'
import { connect, type IncomingHttpHeaders } from 'node:http2'
import Fastify from 'fastify'
import downloads from '../../lib/index.js'
import { makeFixture } from '../helpers/app.js'

const fx = makeFixture()
t.teardown(fx.remove)

t.test('over HTTP/2: whole file, range, multipart, 304, HEAD and outcome', async (t) => {
  const outcomes: number[] = []
  const app = Fastify({ http2: true })
  await app.register(downloads, { root: fx.root, cleanup: (o) => { outcomes.push(o.statusCode) } })
  app.get('/files/:name', (req, reply) => reply.download((req.params as { name: string }).name))
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const { port } = app.server.address() as { port: number }
  const session = connect(`http://127.0.0.1:${port}`)
  t.teardown(() => session.close())

  const get = (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ headers: IncomingHttpHeaders, body: Buffer }> =>
    new Promise((resolve, reject) => {
      const stream = session.request({ ':path': path, ':method': method, ...headers })
      let response: IncomingHttpHeaders = {}
      const chunks: Buffer[] = []
      stream.on('response', (h) => { response = h })
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => resolve({ headers: response, body: Buffer.concat(chunks) }))
      stream.on('error', reject)
      stream.end()
    })

  const whole = await get('/files/big.bin')
  t.equal(whole.headers[':status'], 200)
  t.same(whole.body, fx.big)
  t.equal(whole.headers['content-length'], String(fx.big.length))
  t.equal(whole.headers['content-disposition'], 'attachment; filename="big.bin"')

  const part = await get('/files/big.bin', { range: 'bytes=10-19' })
  t.equal(part.headers[':status'], 206)
  t.equal(part.headers['content-range'], `bytes 10-19/${fx.big.length}`)
  t.same(part.body, fx.big.subarray(10, 20))

  const multi = await get('/files/alphabet.txt', { range: 'bytes=0-1,4-5' })
  t.equal(multi.headers[':status'], 206)
  t.match(multi.headers['content-type'], /^multipart\/byteranges; boundary=/)
  t.equal(Number(multi.headers['content-length']), multi.body.length)

  const notModified = await get('/files/alphabet.txt', { 'if-none-match': whole.headers.etag === undefined ? '*' : String((await get('/files/alphabet.txt')).headers.etag) })
  t.equal(notModified.headers[':status'], 304)
  t.equal(notModified.body.length, 0)

  const head = await get('/files/big.bin', {}, 'HEAD')
  t.equal(head.headers[':status'], 200)
  t.equal(head.headers['content-length'], String(fx.big.length))
  t.equal(head.body.length, 0)

  await new Promise((resolve) => setTimeout(resolve, 50))
  t.same(outcomes, [200, 206, 206, 200, 304, 200], 'cleanup ran once per response')
})
