import type { Readable } from 'node:stream'
import { FST_DOWNLOADS_LENGTH_MISMATCH } from '../errors.js'

/**
 * What a body's buffer already shows before it is sent: more bytes than announced, or an end with none.
 * Found then, it is a clean 500 instead of a cut connection.
 */
export function lengthMismatchAhead (body: Readable, length: number): Error | undefined {
  if (body.readableLength > length) return new FST_DOWNLOADS_LENGTH_MISMATCH('more', `${length}`)
  if (endSeen(body) && body.readableLength < length) return new FST_DOWNLOADS_LENGTH_MISMATCH('fewer', `${length}`)
  return undefined
}

// Node has no public flag for "the source pushed its end, and what is buffered is all there is"
// (readableEnded waits until the buffer was read): its own stream state says it.
const endSeen = (body: Readable): boolean =>
  body.readableEnded || (body as Readable & { _readableState?: { ended?: boolean } })._readableState?.ended === true

/**
 * Holds a body, as it is piped to the response, to the length its Content-Length announced. Node does not:
 * on a keep-alive connection extra bytes would be read as the next response, and missing ones would
 * swallow it (RFC 9112 §6.3). The first chunk too many and an end that comes short cut the connection
 * before they reach it: the listeners run ahead of the pipe's own. Listeners, not a Transform: one more
 * stream between source and socket cost a third of a streamed source's requests per second.
 */
export function holdToLength (body: Readable, length: number, cut: (err: Error) => void): void {
  let left = length
  body.prependListener('data', (chunk: Buffer | string) => {
    left -= typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length
    if (left < 0) cut(new FST_DOWNLOADS_LENGTH_MISMATCH('more', `${length}`))
  })
  body.prependListener('end', () => {
    if (left > 0) cut(new FST_DOWNLOADS_LENGTH_MISMATCH('fewer', `${length}`))
  })
}
