import { parseETagList, strongMatch, weakMatch } from '../http/etag.js'

/** The validators of the selected representation; `lastModified` in whole seconds since the epoch, times 1000. */
export interface Validators {
  etag?: string | undefined
  lastModified?: number | undefined
}

export interface ConditionalHeaders {
  'if-match'?: string | undefined
  'if-none-match'?: string | undefined
  'if-modified-since'?: string | undefined
  'if-unmodified-since'?: string | undefined
}

/** 0: go on (serve the representation); 304 or 412: answer that instead. */
export type PreconditionResult = 0 | 304 | 412

/**
 * Evaluates the preconditions of a GET or HEAD in the order of RFC 9110 section 13.2.2.
 *
 * @example
 * evaluatePreconditions({ 'if-none-match': '"a"' }, { etag: '"a"' }) // 304
 */
export function evaluatePreconditions (headers: ConditionalHeaders, validators: Validators): PreconditionResult {
  const ifMatch = headers['if-match']
  if (ifMatch !== undefined) {
    // Step 1, §13.1.1: strong comparison; `*` matches any current representation.
    if (!matchesAny(ifMatch, validators.etag, strongMatch)) return 412
  } else {
    // Step 2, §13.1.4: only when there is no If-Match.
    const since = parseHttpDate(headers['if-unmodified-since'])
    if (since !== undefined && validators.lastModified !== undefined && validators.lastModified > since) return 412
  }

  const ifNoneMatch = headers['if-none-match']
  if (ifNoneMatch !== undefined) {
    // Step 3, §13.1.2: weak comparison; a match on GET/HEAD is 304.
    return matchesAny(ifNoneMatch, validators.etag, weakMatch) ? 304 : 0
  }

  // Step 4, §13.1.3: only when there is no If-None-Match.
  const since = parseHttpDate(headers['if-modified-since'])
  if (since !== undefined && validators.lastModified !== undefined && validators.lastModified <= since) return 304
  return 0
}

function matchesAny (field: string, etag: string | undefined, match: (a: string, b: string) => boolean): boolean {
  if (field.trim() === '*') return true
  if (etag === undefined) return false
  for (const tag of parseETagList(field)) {
    if (match(tag, etag)) return true
  }
  return false
}

// RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`), which §5.6.7 says to accept.
const OBSOLETE_DATE = /^(?:[A-Z][a-z]+day, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT|[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})$/
const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/

/**
 * Parses an HTTP-date (RFC 9110 section 5.6.7); undefined when absent or invalid, which makes the
 * condition ignored as the RFC requires. Date.parse also reads the obsolete RFC 850 and asctime forms.
 */
export function parseHttpDate (value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  // Every HTTP-date form has at most one comma: more is a list, which is invalid for these fields.
  if (trimmed.indexOf(',') !== trimmed.lastIndexOf(',')) return undefined
  const ms = IMF_FIXDATE.test(trimmed)
    ? Date.parse(trimmed)
    // asctime carries no zone, and HTTP dates are always GMT.
    : OBSOLETE_DATE.test(trimmed) ? Date.parse(trimmed.endsWith('GMT') ? trimmed : `${trimmed} GMT`) : Number.NaN
  return Number.isNaN(ms) ? undefined : ms
}
