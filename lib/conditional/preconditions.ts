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
export function evaluatePreconditions (headers: ConditionalHeaders, validators: Validators, method = 'GET'): PreconditionResult {
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

  // Step 4, §13.1.3: only when there is no If-None-Match, and only for GET and HEAD.
  if (method !== 'GET' && method !== 'HEAD') return 0
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

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)'
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)'
const MONTH = `(${MONTHS.join('|')})`
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})'
// The three forms of RFC 9110 section 5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime.
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`)
const RFC850 = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`)
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`)

// Hand-written: Date.parse accepts far more than HTTP-date and rolls `31 Feb` over into March.
/**
 * Parses an HTTP-date (RFC 9110 section 5.6.7) to epoch milliseconds; undefined when absent or not a
 * valid date, which makes the condition ignored as the RFC requires.
 *
 * @example
 * parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT') // 784111777000
 */
export function parseHttpDate (value: string | undefined, now?: number): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  let m = IMF_FIXDATE.exec(text)
  if (m !== null) return utc(Number(m[3]), m[2]!, Number(m[1]), m[4]!, m[5]!, m[6]!)
  m = RFC850.exec(text)
  if (m !== null) {
    // Two-digit years more than 50 years ahead are the most recent past year with those digits.
    // The clock is read only here: a request without the header costs no Date.now().
    const currentYear = new Date(now ?? Date.now()).getUTCFullYear()
    let year = Math.floor(currentYear / 100) * 100 + Number(m[3])
    if (year > currentYear + 50) year -= 100
    return utc(year, m[2]!, Number(m[1]), m[4]!, m[5]!, m[6]!)
  }
  m = ASCTIME.exec(text)
  if (m !== null) return utc(Number(m[6]), m[1]!, Number(m[2]!.trim()), m[3]!, m[4]!, m[5]!)
  return undefined
}

function utc (year: number, month: string, day: number, hh: string, mm: string, ss: string): number | undefined {
  const monthIndex = MONTHS.indexOf(month)
  const hours = Number(hh)
  const minutes = Number(mm)
  // A leap second (60) is allowed by the grammar; Date folds it into the next minute.
  const seconds = Number(ss)
  if (hours > 23 || minutes > 59 || seconds > 60 || day < 1) return undefined
  const ms = Date.UTC(year, monthIndex, day, hours, minutes, seconds)
  // A day past the end of its month (31 Nov, 29 Feb 2023) would roll over: invalid.
  if (new Date(Date.UTC(year, monthIndex, day)).getUTCMonth() !== monthIndex) return undefined
  return ms
}
