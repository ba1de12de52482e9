// Contender (benchmarks/s3.js): the floor of proxying, written by hand. One signed GET with the client's
// Range, its status and four headers passed on, the body piped: no HEAD, no validators, no error mapping.
import Fastify from 'fastify'
import { Readable } from 'node:stream'
import { AwsClient } from 'aws4fetch'
import { port, ready, s3 } from './common.js'

const aws = new AwsClient({ ...s3.credentials, service: 's3', region: s3.region, retries: 0 })
const PASSED = ['content-length', 'content-range', 'etag', 'content-type']
const app = Fastify({ logger: false })

app.get('/o/:key', async (req, reply) => {
  const headers = req.headers.range === undefined ? {} : { range: req.headers.range }
  const res = await aws.fetch(`${s3.endpoint}/${s3.bucket}/${encodeURIComponent(req.params.key)}`, { headers })
  reply.code(res.status)
  for (const name of PASSED) {
    const value = res.headers.get(name)
    if (value !== null) reply.header(name, value)
  }
  return reply.send(res.body === null ? '' : Readable.fromWeb(res.body))
})

await app.listen({ port, host: '127.0.0.1' })
ready('s3-fetch-pipe')
