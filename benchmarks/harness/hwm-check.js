// Checks the claim that @fastify/send hands highWaterMark: null to fs.createReadStream unless told
// otherwise, so that Node 20 reads 16 KiB chunks (the stream default) instead of the 64 KiB fs default.
// Run with the Node binary under test; prints one JSON line.
import fs from 'node:fs'
import send from '@fastify/send'
import { join } from 'node:path'

const file = process.argv[2] ?? join(import.meta.dirname, '..', 'files', '1m.bin')
const seen = []
const createReadStream = fs.createReadStream
fs.createReadStream = function (path, options) {
  const stream = createReadStream.call(this, path, options)
  seen.push({ passed: options && 'highWaterMark' in options ? options.highWaterMark : '(absent)', effective: stream.readableHighWaterMark })
  return stream
}

async function chunkSize (options) {
  seen.length = 0
  const { stream } = await send({ method: 'GET', headers: {} }, file, options)
  let first = 0
  for await (const chunk of stream) { first ||= chunk.length }
  return { passedToCreateReadStream: seen[0]?.passed, readableHighWaterMark: seen[0]?.effective, firstChunk: first }
}

const report = {
  node: process.version,
  asShipped: await chunkSize({}),
  tuned: await chunkSize({ highWaterMark: 65536 }),
  fsDefault: (() => {
    const s = createReadStream(file)
    const hwm = s.readableHighWaterMark
    s.destroy()
    return hwm
  })()
}
console.log(JSON.stringify(report))
