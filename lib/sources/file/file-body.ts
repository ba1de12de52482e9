import { fstat, fstatSync, read, type BigIntStats } from 'node:fs'
import { ServerResponse } from 'node:http'
import { Readable, type Writable } from 'node:stream'
import { FST_DOWNLOADS_FILE_CHANGED } from '../../errors.js'
import { BufferPool } from './buffer-pool.js'
import { sameFile, type FileIdentity } from './file-cache.js'

// Chunks handed to a consumer we do not control: they are theirs to keep, so each is a fresh buffer.
export const STREAM_CHUNK = 64 * 1024
// Chunks written straight to an HTTP/1 socket: reused, so larger reads cost no garbage collection.
export const DIRECT_CHUNK = 256 * 1024
// Up to 32 of each size kept (10 MiB): one per connection of a busy server reading ranges or large files.
const pool = new BufferPool(STREAM_CHUNK, DIRECT_CHUNK, 32)

function fstatNow (fd: number, then: (err: Error | null, stats: BigIntStats | undefined) => void): void {
  let stats: BigIntStats
  try {
    stats = fstatSync(fd, { bigint: true })
  } catch (err) {
    return then(err as Error, undefined)
  }
  then(null, stats)
}

/**
 * The body of a file response: bytes `start..end` (inclusive) of an open descriptor, which it hands
 * back (`done`) once destroyed and no read of its own is in flight.
 *
 * Piped straight into an HTTP/1 response (Fastify's own `payload.pipe(res)`, no onSend hook in between),
 * it writes to the response itself, from a pool of 64 KiB and 256 KiB buffers, each taken back only once
 * the socket has flushed it (the write callback). A plain file stream allocates a new 64 KiB buffer
 * per read instead; at a gigabyte a second that external memory forces a full garbage collection
 * several times a second, which is what held large files to about half the speed of a bare server.
 * Piped anywhere else (HTTP/2, compression, throttling) or read directly, it is an ordinary stream
 * of fresh 64 KiB buffers. Node's ReadStream has no such mode: it cannot know when a chunk is released.
 */
export class FileBody extends Readable {
  readonly #fd: number
  readonly #done: () => void
  #position: number
  readonly #end: number
  readonly #identity: FileIdentity
  #direct: Writable | undefined
  #pumping = false
  #reading = false
  #afterRead: (() => void) | undefined
  #onDrain: (() => void) | undefined
  /** Body bytes flushed to the socket in direct mode (the stream emits no 'data' then). */
  directBytes = 0

  readonly #syncStat: boolean

  /** `identity`: the file the headers describe; `syncStat`: check it with fstatSync (see the syncStat option). */
  constructor (fd: number, start: number, end: number, identity: FileIdentity, syncStat: boolean, done: () => void) {
    super({ highWaterMark: STREAM_CHUNK })
    this.#fd = fd
    this.#identity = identity
    this.#syncStat = syncStat
    this.#done = done
    this.#position = start
    this.#end = end
  }

  override pipe<T extends NodeJS.WritableStream> (destination: T, options?: { end?: boolean }): T {
    // Direct only as the sole consumer of an HTTP/1 response that pipe() will end; anything else gets chunks.
    if (destination instanceof ServerResponse && options?.end !== false && this.#direct === undefined &&
        this.readableFlowing === null && this.readableLength === 0 && this.listenerCount('data') === 0) {
      this.#direct = destination as unknown as Writable
    }
    return super.pipe(destination, options)
  }

  override _read (): void {
    if (this.#direct !== undefined) {
      if (!this.#pumping) {
        this.#pumping = true
        this.#pump()
      }
      return
    }
    const length = Math.min(STREAM_CHUNK, this.#end - this.#position + 1)
    if (length <= 0) {
      this.push(null)
      return
    }
    this.#readInto(Buffer.allocUnsafe(length), length, (buffer, bytesRead) => {
      this.push(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead))
    })
  }

  #pump (): void {
    const response = this.#direct!
    const length = Math.min(DIRECT_CHUNK, this.#end - this.#position + 1)
    if (length <= 0) {
      // Nothing was pushed: ending the readable ends the response through pipe(), after the writes above.
      this.push(null)
      return
    }
    this.#readInto(pool.take(length), length, (buffer, bytesRead) => {
      const chunk = bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead)
      const more = response.write(chunk, (err) => {
        // Back to the pool only once flushed; on an error the socket may still hold it, so it is dropped.
        if (err === null || err === undefined) {
          this.directBytes += bytesRead
          pool.give(buffer)
        }
      })
      if (more) {
        this.#pump()
      } else {
        this.#onDrain = () => {
          this.#onDrain = undefined
          if (!this.destroyed) this.#pump()
        }
        response.once('drain', this.#onDrain)
      }
    })
  }

  /**
   * One positioned read; a short file (truncated under us) fails the body rather than padding it. Before
   * the last bytes go out, an fstat must show the file the headers describe: one rewritten in place would
   * otherwise end as a complete 200 that mixes two versions under the old ETag.
   */
  #readInto (buffer: Buffer, length: number, done: (buffer: Buffer, bytesRead: number) => void): void {
    this.#reading = true
    read(this.#fd, buffer, 0, length, this.#position, (err, bytesRead) => {
      if (this.#gone(buffer)) return
      if (err !== null) return this.destroy(err)
      if (bytesRead === 0) return this.destroy(new FST_DOWNLOADS_FILE_CHANGED())
      this.#position += bytesRead
      if (this.#position <= this.#end) return done(buffer, bytesRead)
      const last = (err: Error | null, stats: BigIntStats | undefined): void => {
        if (err === null && sameFile(this.#identity, stats!)) done(buffer, bytesRead)
        else this.destroy(err ?? new FST_DOWNLOADS_FILE_CHANGED())
      }
      if (this.#syncStat) return fstatNow(this.#fd, last)
      this.#reading = true
      fstat(this.#fd, { bigint: true }, (err, stats) => {
        if (!this.#gone(buffer)) last(err, stats)
      })
    })
  }

  /** A call on the descriptor is back: if the body was destroyed meanwhile, the descriptor is handed back now. */
  #gone (buffer: Buffer): boolean {
    this.#reading = false
    if (!this.destroyed) return false
    if (this.#direct !== undefined) pool.give(buffer)
    this.#afterRead?.()
    return true
  }

  override _destroy (err: Error | null, callback: (err?: Error | null) => void): void {
    if (this.#onDrain !== undefined) this.#direct?.off('drain', this.#onDrain)
    const handBack = (): void => {
      this.#done()
      callback(err)
    }
    // A read still in flight uses the descriptor: hand it back once that read is back.
    if (this.#reading) this.#afterRead = handBack
    else handBack()
  }
}
