import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import type { ByteRange } from '../conditional/range.js'
import { STREAM_CHUNK as CHUNK } from './file/file-body.js'
import { noop, type Body, type Entity } from '../entity.js'

// Hashing a large buffer costs; a buffer served again (e.g. a cached report) is hashed once.
const etags = new WeakMap<Uint8Array, string>()

/** A strong ETag from the content of a buffer, computed once per buffer object. */
export function contentETag (data: Uint8Array): string {
  let tag = etags.get(data)
  if (tag === undefined) {
    tag = `"${createHash('sha1').update(data).digest('base64url')}"`
    etags.set(data, tag)
  }
  return tag
}

/**
 * A body from memory: small ones go out in one write; large ones as a stream of chunks, so that
 * backpressure, throttling and the count of bytes sent work as for files.
 */
export function bufferBody (data: Buffer): Body {
  if (data.length <= CHUNK) return data
  return Readable.from(chunks(data), { objectMode: false })
}

function * chunks (data: Buffer): Generator<Buffer> {
  for (let i = 0; i < data.length; i += CHUNK) yield data.subarray(i, i + CHUNK)
}

/** A buffer entity; its ETag is a hash of the content, computed only when `hash` (no caller tag, ETags on). */
export function bufferEntity (data: Uint8Array, hash: boolean): Entity {
  const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  return {
    size: buffer.length,
    etag: hash ? contentETag(data) : undefined,
    lastModified: undefined,
    foreign: false,
    rangeable: true,
    filename: 'download',
    open: (range?: ByteRange) => bufferBody(range === undefined ? buffer : buffer.subarray(range.start, range.end + 1)),
    release: noop
  }
}
