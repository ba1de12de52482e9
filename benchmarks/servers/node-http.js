// Contender: the hand-written floor. node:http + fs.createReadStream, with only what a download needs:
// Content-Length, Content-Type, Content-Disposition, a weak ETag from size and mtime, If-None-Match -> 304
// and one byte range. No multipart/byteranges, no path checks beyond a plain file name: it is a floor.
import { createServer } from 'node:http'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream'
import { filesDir, port, payload, smallPayload, payloadStream, cleanup, ready } from './common.js'

const server = createServer(async (req, res) => {
  const url = req.url
  if (url === '/buf') {
    res.writeHead(200, headers(payload.length, 'x.bin'))
    return res.end(payload)
  }
  if (url === '/buf1k') {
    res.writeHead(200, headers(smallPayload.length, 'x.bin'))
    return res.end(smallPayload)
  }
  if (url === '/stream') {
    res.writeHead(200, headers(payload.length, 'x.bin'))
    return pipeline(payloadStream(), res, () => {})
  }
  let name
  if (url.startsWith('/files/')) name = url.slice(7)
  else if (url.startsWith('/cleanup/')) {
    name = url.slice(9)
    res.once('close', cleanup)
  } else return notFound(res)
  if (name.includes('/') || name.startsWith('.')) return notFound(res)

  const path = join(filesDir, name)
  let st
  try { st = await stat(path) } catch { return notFound(res) }
  const etag = `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, { ETag: etag })
    return res.end()
  }
  let start = 0
  let end = st.size - 1
  let status = 200
  const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')
  if (range && Number(range[1]) <= Number(range[2]) && Number(range[1]) < st.size) {
    start = Number(range[1])
    end = Math.min(Number(range[2]), st.size - 1)
    status = 206
  }
  const h = headers(end - start + 1, name)
  h.ETag = etag
  h['Last-Modified'] = st.mtime.toUTCString()
  h['Accept-Ranges'] = 'bytes'
  if (status === 206) h['Content-Range'] = `bytes ${start}-${end}/${st.size}`
  res.writeHead(status, h)
  pipeline(createReadStream(path, { start, end }), res, () => {})
})

function headers (length, filename) {
  return {
    'Content-Type': 'application/octet-stream',
    'Content-Length': length,
    'Content-Disposition': `attachment; filename="${filename}"`
  }
}

function notFound (res) {
  res.writeHead(404, { 'Content-Length': 0 })
  res.end()
}

server.keepAliveTimeout = 65_000
server.listen(port, '127.0.0.1', () => ready('node-http'))
