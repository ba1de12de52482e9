import { Readable, Transform } from 'node:stream'
import type { ReadableStream } from 'node:stream/web'
import { FST_DOWNLOADS_SOURCE_FAILED, isOwnError } from '../errors.js'
import { noop, type Entity } from '../entity.js'

export function isNodeReadable (value: unknown): value is Readable {
  return value instanceof Readable || (typeof value === 'object' && value !== null &&
    typeof (value as Readable).pipe === 'function' && typeof (value as Readable).on === 'function' &&
    typeof (value as Readable).read === 'function')
}

export function isWebStream (value: unknown): value is ReadableStream {
  return typeof value === 'object' && value !== null && typeof (value as ReadableStream).getReader === 'function'
}

export function isAsyncIterable (value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null &&
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
}

/**
 * Turns any stream-like value (Node Readable, web ReadableStream, async iterable) into a Node Readable of
 * bytes. `counted`: its length will be held to a Content-Length, which needs its buffer counted in bytes.
 */
export function toReadable (value: Readable | ReadableStream | AsyncIterable<unknown> | NodeJS.ReadableStream, counted: boolean): Readable {
  if (value instanceof Readable) return !value.readableObjectMode ? value : counted ? bytesThrough(value) : bytesOf(value)
  if (isWebStream(value)) return Readable.fromWeb(value)
  if (isNodeReadable(value)) return new Readable().wrap(value)
  return Readable.from(value as AsyncIterable<unknown>, { objectMode: false })
}

const notBytes = (chunk: unknown): Error =>
  new TypeError(`a stream source yielded ${chunk === null ? 'null' : typeof chunk}, not bytes or a string`)

/**
 * An object-mode Readable (a database cursor, any `Readable.from()`) may yield a chunk that is not bytes:
 * piped to the response as it is, that throws inside the pipe and ends the process. Here it is a stream
 * error instead. Its own push() is checked, not a Transform added behind it: one more stream between
 * source and socket cost `Readable.from()` sources a sixth of their requests per second.
 */
function bytesOf (source: Readable): Readable {
  if (source.readableLength > 0) return bytesThrough(source)
  const push = source.push
  source.push = function (this: Readable, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null || typeof chunk === 'string' || chunk instanceof Uint8Array) return push.call(this, chunk, encoding)
    this.destroy(notBytes(chunk))
    return false
  }
  return source
}

/**
 * The same through a Transform: for a source with objects already buffered (read before it was handed
 * over), and for one whose length is checked (an object-mode buffer counts objects, not bytes).
 */
function bytesThrough (source: Readable): Readable {
  const bytes = new Transform({
    writableObjectMode: true,
    transform (chunk: unknown, _encoding, callback) {
      if (typeof chunk === 'string' || chunk instanceof Uint8Array) callback(null, chunk)
      else callback(notBytes(chunk))
    }
  })
  source.once('error', (err) => bytes.destroy(err))
  bytes.once('close', () => source.destroy())
  return source.pipe(bytes)
}

/**
 * A one-shot stream entity: no range, sent as it comes, chunked unless the caller knows the size.
 * A stream that is never sent (a 304, say) is destroyed so its producer stops.
 */
export function streamEntity (value: Readable | ReadableStream | AsyncIterable<unknown>, size: number | undefined): Entity {
  let opened = false
  return {
    size,
    // A stream has no validators of its own; the caller's etag/lastModified options are applied in reply.ts.
    etag: undefined,
    lastModified: undefined,
    foreign: true,
    rangeable: false,
    filename: 'download',
    open: () => {
      opened = true
      return toReadable(value, size !== undefined)
    },
    release: () => {
      if (opened) return
      if (isNodeReadable(value)) value.destroy()
      else if (isWebStream(value)) value.cancel().catch(noop)
      else if (typeof (value as AsyncGenerator).return === 'function') (value as AsyncGenerator).return(undefined).catch(noop)
    }
  }
}

const destroyedEarly = (): Error => new Error('the stream was destroyed before its first byte')

/** A source's error as the answer: the plugin's own (a length mismatch) as it is, any other a 500 with it as the cause. */
const sourceFailed = (err: Error): Error => isOwnError(err) ? err : new FST_DOWNLOADS_SOURCE_FAILED({ cause: err })

/**
 * Waits for a stream's first chunk (or end), so a source that fails at once gets a clean 500. Returns
 * nothing when the answer is known now: a source that pushes on read (a generator, an in-memory stream)
 * is sent without a promise, whose extra tick measurably sent V8's GC into its slow pretenuring mode.
 */
export function firstChunk (stream: Readable): void | Promise<void> {
  // What attaching a 'readable' listener would do on the next tick, now: ask the source for data.
  if (stream.readableLength === 0 && !stream.destroyed) stream.read(0)
  if (stream.errored !== null) {
    // Its 'error' event may still be on its way; nothing else listens yet.
    stream.on('error', noop)
    throw sourceFailed(stream.errored)
  }
  if (stream.readableLength > 0 || stream.readableEnded) return
  // Destroyed without an error (an aborted upstream, say): no event will ever come.
  if (stream.destroyed) throw sourceFailed(destroyedEarly())
  return new Promise((resolve, reject) => {
    const stop = (): void => {
      stream.off('readable', done)
      stream.off('end', done)
      stream.off('error', failed)
      stream.off('close', closed)
    }
    const done = (): void => {
      stop()
      // An error between now and the send (a length guard's short end) must not be uncaught: the send sees it as `errored`.
      stream.on('error', noop)
      resolve()
    }
    const failed = (err: Error): void => {
      stop()
      reject(sourceFailed(err))
    }
    // 'error' and 'end' come before 'close'; a close alone is a destroy with no error.
    const closed = (): void => failed(destroyedEarly())
    stream.once('readable', done)
    stream.once('end', done)
    stream.once('error', failed)
    stream.once('close', closed)
  })
}
