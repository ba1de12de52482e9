// Shared by every Node contender: where the files are, which port, and the in-memory sources
// (a Buffer and a streamed body) so that every contender serves exactly the same bytes.
import { readFileSync } from 'node:fs'
import { Readable } from 'node:stream'
import { join } from 'node:path'

export const filesDir = process.env.FILES_DIR ?? process.argv[2]
export const port = Number(process.env.PORT ?? process.argv[3] ?? 3000)
if (!filesDir) throw new Error('usage: node servers/<name>.js <filesDir> <port> (or FILES_DIR, PORT)')

/** 64 KiB, the same bytes as files/64k.bin: the Buffer-source and streamed-source scenarios send it. */
export const payload = readFileSync(join(filesDir, '64k.bin'))
/** Its first 1 KiB: the small Buffer-source scenario, where the per-request cost of each HTTP stack shows. */
export const smallPayload = payload.subarray(0, 1024)
export const STREAM_CHUNK = 16 * 1024

/** A fresh streamed source of `payload`, in 16 KiB chunks, as an app producing data would hand it over. */
export function payloadStream () {
  return Readable.from(chunks(), { objectMode: false })
}

function * chunks () {
  for (let i = 0; i < payload.length; i += STREAM_CHUNK) yield payload.subarray(i, i + STREAM_CHUNK)
}

/**
 * The Buffer and stream routes as an app without a download plugin writes them: the bytes and three
 * headers. @fastify/static's rows (it has no such sources) and fastify-bare both use these.
 */
export function bareRoutes (app) {
  app.get('/buf', (req, reply) => reply
    .header('content-disposition', 'attachment; filename="x.bin"')
    .type('application/octet-stream')
    .send(payload))
  app.get('/buf1k', (req, reply) => reply
    .header('content-disposition', 'attachment; filename="x.bin"')
    .type('application/octet-stream')
    .send(smallPayload))
  app.get('/stream', (req, reply) => reply
    .header('content-disposition', 'attachment; filename="x.bin"')
    .header('content-length', payload.length)
    .type('application/octet-stream')
    .send(payloadStream()))
}

/** The cleanup callback of the cleanup scenario: it only counts, so it costs what the library costs. */
export let cleanups = 0
export function cleanup () { cleanups++ }

export function ready (name) {
  process.stdout.write(`ready ${name} ${port}\n`)
}

// The runner stops a contender with SIGTERM; exit at once (no graceful close needed for a benchmark).
process.on('SIGTERM', () => process.exit(0))

/** The bucket the s3-* contenders proxy (benchmarks/s3.js starts a Swift): S3_ENDPOINT and S3_BUCKET, or argv 4 and 5. */
export const s3 = {
  endpoint: process.env.S3_ENDPOINT ?? process.argv[4],
  bucket: process.env.S3_BUCKET ?? process.argv[5],
  region: 'us-east-1',
  credentials: { accessKeyId: 'test:tester', secretAccessKey: 'testing' } // Swift tempauth's account:user and key
}
