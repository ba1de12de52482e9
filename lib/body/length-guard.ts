import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { FST_DOWNLOADS_LENGTH_MISMATCH } from '../errors.js'
import { through } from './through.js'

/**
 * Holds a body to the length its Content-Length announced. Node does not: on a keep-alive connection
 * extra bytes would be read as the next response, and missing ones would swallow it (RFC 9112 §6.3).
 * The first byte too many fails the body before it is written, and so does an end that comes short;
 * Fastify then answers a clean 500 if nothing was sent yet, or cuts the connection.
 */
export class LengthGuard extends Transform {
  readonly #length: number
  #left: number

  constructor (length: number) {
    super()
    this.#length = length
    this.#left = length
  }

  override _transform (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (chunk.length > this.#left) {
      callback(new FST_DOWNLOADS_LENGTH_MISMATCH('more', `${this.#length}`))
      return
    }
    this.#left -= chunk.length
    callback(null, chunk)
  }

  override _flush (callback: TransformCallback): void {
    callback(this.#left === 0 ? null : new FST_DOWNLOADS_LENGTH_MISMATCH('fewer', `${this.#length}`))
  }
}

/** `body`, failing on the first byte past `length` or on an end before it. */
export function guardLength (body: Readable, length: number): Readable {
  return through(body, new LengthGuard(length))
}
