import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import type { ByteRange } from '../conditional/range.js'
import { contentRange } from '../http/content-range.js'
import { FST_DOWNLOADS_FILE_CHANGED, FST_DOWNLOADS_LENGTH_MISMATCH } from '../errors.js'
import type { Body, Entity } from '../entity.js'
import type { OpenOptions } from '../types.js'
import { after, type Later } from '../later.js'

export interface MultipartLayout {
  boundary: string
  /** The part headers, each preceded by the delimiter (and the CRLF ending the previous part). */
  heads: Buffer[]
  /** The close delimiter. */
  tail: Buffer
  /** Exact body length, known before the first byte is sent (as Starlette computes it). */
  length: number
}

/** A boundary that cannot occur by chance in the parts (RFC 2046 section 5.1.1: up to 70 characters). */
export function newBoundary (): string {
  return randomBytes(12).toString('hex')
}

/**
 * Lays out a multipart/byteranges body (RFC 9110 section 14.6) with CRLF line ends, so that the total
 * length is known before streaming starts.
 */
export function multipartLayout (ranges: readonly ByteRange[], size: number, contentType: string, boundary: string): MultipartLayout {
  const heads: Buffer[] = []
  let length = 0
  for (let i = 0; i < ranges.length; i++) {
    const range = ranges[i]!
    const head = Buffer.from(
      `${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: ${contentRange(range, size)}\r\n\r\n`,
      'latin1'
    )
    heads.push(head)
    length += head.length + range.end - range.start + 1
  }
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1')
  return { boundary, heads, tail, length: length + tail.length }
}

/**
 * The body of a multipart/byteranges answer: each part's head, then its bytes, then the close delimiter.
 * Without one reader over all ranges, the first range is opened before the headers go out: a store that
 * answers "another version" (If-Match) then still gets the response decided again for the new one.
 */
export function multipartBody (entity: Entity, ranges: readonly ByteRange[], layout: MultipartLayout, options: OpenOptions): Later<Readable> {
  if (entity.parts !== undefined) return Readable.from(parts(entity, ranges, layout.heads, layout.tail, options, undefined), { objectMode: false })
  return after(entity.open(ranges[0], options), (first) => {
    const body = Readable.from(parts(entity, ranges, layout.heads, layout.tail, options, first), { objectMode: false })
    // A response that ends before the first part is read (the client left) frees it too.
    if (!Buffer.isBuffer(first)) body.once('close', () => first.destroy())
    return body
  })
}

async function * parts (
  entity: Entity, ranges: readonly ByteRange[], heads: readonly Buffer[], tail: Buffer, options: OpenOptions, first: Body | undefined
): AsyncGenerator<Uint8Array> {
  const reader = first === undefined ? entity.parts?.(ranges) : undefined
  if (reader !== undefined) {
    // One reader over all ranges: the part heads go in when its position crosses into a new range.
    const iterator = reader[Symbol.asyncIterator]()
    for (let i = 0; i < ranges.length; i++) {
      yield heads[i]!
      let left = ranges[i]!.end - ranges[i]!.start + 1
      while (left > 0) {
        const next = await iterator.next()
        // The one reader is a file's: one that ends early was truncated under us.
        if (next.done === true) throw new FST_DOWNLOADS_FILE_CHANGED()
        left -= next.value.length
        yield next.value
      }
    }
    await iterator.return?.()
  } else {
    for (let i = 0; i < ranges.length; i++) {
      yield heads[i]!
      yield * exactly(i === 0 && first !== undefined ? first : await entity.open(ranges[i], options), ranges[i]!.end - ranges[i]!.start + 1)
    }
  }
  yield tail
}

/** A part's bytes, which must be exactly its range: a store that sends more or fewer would shift every part after it. */
async function * exactly (body: Body, length: number): AsyncGenerator<Uint8Array> {
  if (Buffer.isBuffer(body)) {
    if (body.length !== length) throw new FST_DOWNLOADS_LENGTH_MISMATCH(body.length > length ? 'more' : 'fewer', `${length}`)
    yield body
    return
  }
  let left = length
  for await (const chunk of body) {
    left -= (chunk as Uint8Array).length
    if (left < 0) throw new FST_DOWNLOADS_LENGTH_MISMATCH('more', `${length}`)
    yield chunk as Uint8Array
  }
  if (left > 0) throw new FST_DOWNLOADS_LENGTH_MISMATCH('fewer', `${length}`)
}
