/**
 * Read buffers recycled between responses, in two sizes. Every buffer allocated per request is external
 * memory to V8, and about 64 MiB of it since the last collection forces a full one: a server sending a
 * gigabyte a second from fresh buffers collected many times a second. Node has no pool for buffers that
 * go to a socket (its own pool is for small slices), so this is ours.
 */
export class BufferPool {
  readonly #small: Buffer[] = []
  readonly #large: Buffer[] = []

  /**
   * @param smallSize reads up to this long (a range, a small file's tail) take a small buffer
   * @param largeSize longer reads take a large one
   * @param keep buffers of each size kept between responses; more in flight at once are left to the GC
   */
  constructor (readonly smallSize: number, readonly largeSize: number, readonly keep: number) {}

  /** A buffer at least `length` long (up to largeSize). */
  take (length: number): Buffer {
    if (length <= this.smallSize) return this.#small.pop() ?? Buffer.allocUnsafeSlow(this.smallSize)
    return this.#large.pop() ?? Buffer.allocUnsafeSlow(this.largeSize)
  }

  /** Back for the next response: only once nothing else can still read it (the socket has flushed it). */
  give (buffer: Buffer): void {
    // Only a buffer that is its whole memory: a view would hand out bytes that belong to someone else.
    if (buffer.byteOffset !== 0 || buffer.buffer.byteLength !== buffer.length) return
    const list = buffer.length === this.largeSize ? this.#large : buffer.length === this.smallSize ? this.#small : undefined
    if (list !== undefined && list.length < this.keep) list.push(buffer)
  }

  /** Buffers kept now, of each size. */
  get kept (): { small: number, large: number } {
    return { small: this.#small.length, large: this.#large.length }
  }
}
