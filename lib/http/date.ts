/** Rounds a time down to whole seconds, the precision of Last-Modified and its comparisons (RFC 9110 §5.6.7). */
export function toHttpTime (ms: number): number {
  return Math.floor(ms / 1000) * 1000
}

/**
 * An IMF-fixdate for a Last-Modified header.
 *
 * @example
 * httpDate(0) // 'Thu, 01 Jan 1970 00:00:00 GMT'
 */
export function httpDate (ms: number): string {
  return new Date(ms).toUTCString()
}
