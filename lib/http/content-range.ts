import type { ByteRange } from '../conditional/range.js'

/** `Content-Range` for one part of a 206 (RFC 9110 section 14.4). */
export function contentRange (range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`
}

/** `Content-Range` for a 416: the current length, so a client can retry (RFC 9110 section 15.5.17). */
export function unsatisfiedRange (size: number): string {
  return `bytes */${size}`
}
