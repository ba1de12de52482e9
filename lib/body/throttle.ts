import { Readable, Transform, type TransformCallback } from 'node:stream'
import type { Body } from '../entity.js'
import type { ThrottleOptions } from '../types.js'

/**
 * Limits a body to `bytesPerSecond` after `burst` bytes, as a token bucket that waits with a timer
 * (no busy loop) and holds the next chunk back, so backpressure reaches the source. Chunks are cut to
 * a tenth of a second's worth so the rate stays smooth.
 */
class Throttle extends Transform {
  readonly #rate: number
  readonly #burst: number
  readonly #slice: number
  #sent = 0
  #start = 0

  constructor (options: ThrottleOptions) {
    super()
    this.#rate = options.bytesPerSecond
    this.#burst = options.burst ?? 0
    this.#slice = Math.max(1, Math.floor(this.#rate / 10))
  }

  override _transform (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, 0, callback)
  }

  #push (chunk: Buffer, offset: number, callback: TransformCallback): void {
    while (offset < chunk.length) {
      if (this.destroyed) return callback()
      const free = this.#burst - this.#sent
      const size = free > 0 ? Math.min(free, chunk.length - offset) : Math.min(this.#slice, chunk.length - offset)
      if (free <= 0) {
        if (this.#start === 0) this.#start = performance.now()
        // When this slice may leave: the time the bytes past the burst take at the rate.
        const due = this.#start + ((this.#sent - this.#burst + size) / this.#rate) * 1000
        const wait = due - performance.now()
        if (wait > 1) {
          setTimeout(() => this.#push(chunk, offset, callback), wait)
          return
        }
      }
      this.push(chunk.subarray(offset, offset + size))
      this.#sent += size
      offset += size
    }
    callback()
  }
}

/** Puts a body through a Throttle, carrying errors forward and destruction back. */
export function throttled (body: Body, options: ThrottleOptions): Readable {
  const source = Buffer.isBuffer(body) ? Readable.from([body], { objectMode: false }) : body
  const throttle = new Throttle(options)
  source.once('error', (err) => throttle.destroy(err))
  throttle.once('close', () => source.destroy())
  return source.pipe(throttle)
}
