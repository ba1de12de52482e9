/** An inclusive byte range, as in RFC 9110 section 14.1.2: `start` and `end` are byte offsets. */
export interface ByteRange {
  start: number
  end: number
}

/** What a Range header asks of a representation of `size` bytes. */
export type RangeRequest =
  | { kind: 'none' }
  | { kind: 'unsatisfiable' }
  | { kind: 'ranges', ranges: ByteRange[] }

export interface ParseRangeOptions {
  /** More ranges than this (before coalescing) and the header is ignored (the maxRanges option). */
  maxRanges: number
}

const NONE: RangeRequest = Object.freeze({ kind: 'none' })
const UNSATISFIABLE: RangeRequest = Object.freeze({ kind: 'unsatisfiable' })
const DIGITS = /^[0-9]+$/

// Hand-written: range-parser reads `1x-5` as 1-5 and answers an invalid `5-1` with 416, where RFC 9110 §14.1.1 makes both invalid (ignored).
/**
 * Parses a Range header against a representation of `size` bytes (RFC 9110 section 14.1.2 and 14.2).
 * An invalid header, another unit, or an abusive set (too many ranges, or ranges adding up to more than
 * the representation, as Go's net/http guards) is `none`: the caller serves the whole representation.
 * Satisfiable ranges are clamped, sorted and coalesced when they overlap or touch.
 *
 * @example
 * parseRange('bytes=0-99,-100', 1000, { maxRanges: 100 }) // { kind: 'ranges', ranges: [{ start: 0, end: 99 }, { start: 900, end: 999 }] }
 */
export function parseRange (header: string | undefined, size: number, options: ParseRangeOptions): RangeRequest {
  if (header === undefined) return NONE
  const eq = header.indexOf('=')
  if (eq === -1 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return NONE

  const { maxRanges } = options
  const specs = header.slice(eq + 1).split(',')
  let count = 0
  let requested = 0
  let suffixOnEmpty = false
  const ranges: ByteRange[] = []
  for (const raw of specs) {
    const spec = raw.trim()
    // RFC 9110 §5.6.1: empty list elements are allowed and ignored.
    if (spec === '') continue
    if (++count > maxRanges) return NONE
    const dash = spec.indexOf('-')
    if (dash === -1) return NONE
    const first = spec.slice(0, dash)
    const last = spec.slice(dash + 1)
    if (first === '') {
      if (!DIGITS.test(last)) return NONE
      // suffix-range: the last N bytes; a zero-length suffix is unsatisfiable.
      const suffix = Math.min(Number(last), size)
      requested += suffix
      if (suffix > 0) ranges.push({ start: size - suffix, end: size - 1 })
      else if (Number(last) > 0) suffixOnEmpty = true
      continue
    }
    if (!DIGITS.test(first) || (last !== '' && !DIGITS.test(last))) return NONE
    if (last !== '' && digitsLess(last, first)) return NONE
    const start = Number(first)
    const end = last === '' ? size - 1 : Number(last)
    if (start >= size) continue
    const clampedEnd = Math.min(end, size - 1)
    requested += clampedEnd - start + 1
    ranges.push({ start, end: clampedEnd })
  }
  if (count === 0) return NONE
  if (ranges.length === 0) {
    // §14.1.1 calls a non-zero suffix satisfiable even on an empty representation, which has no byte
    // to put in a Content-Range: serve it whole.
    return suffixOnEmpty ? NONE : UNSATISFIABLE
  }
  if (requested > size) return NONE
  return { kind: 'ranges', ranges: coalesce(ranges) }
}

/** a < b for decimal digit strings of any length: Number() rounds past 2^53 and would make `…993-…992` look valid. */
function digitsLess (a: string, b: string): boolean {
  const x = a.replace(/^0+(?=\d)/, '')
  const y = b.replace(/^0+(?=\d)/, '')
  return x.length !== y.length ? x.length < y.length : x < y
}

/**
 * Merges ranges that overlap or are adjacent, and keeps the rest in the order they were asked for
 * (RFC 9110 section 15.3.7.2: parts SHOULD follow the order of the range-specs); a merged range
 * stands where its first member was asked for.
 */
export function coalesce (ranges: ByteRange[]): ByteRange[] {
  if (ranges.length < 2) return ranges
  const sorted = ranges.map((range, index) => ({ start: range.start, end: range.end, index })).sort((a, b) => a.start - b.start)
  const merged = [sorted[0]!]
  for (let i = 1; i < sorted.length; i++) {
    const range = sorted[i]!
    const last = merged[merged.length - 1]!
    if (range.start <= last.end + 1) {
      if (range.end > last.end) last.end = range.end
      if (range.index < last.index) last.index = range.index
    } else {
      merged.push(range)
    }
  }
  return merged.sort((a, b) => a.index - b.index).map(({ start, end }) => ({ start, end }))
}
