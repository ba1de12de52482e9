import { evaluatePreconditions, type ConditionalHeaders, type Validators } from './preconditions.js'
import { ifRangeAllows } from './if-range.js'
import { parseRange, type ByteRange } from './range.js'

export interface PlanRequest extends ConditionalHeaders {
  range?: string | undefined
  'if-range'?: string | undefined
}

export interface PlanInput {
  method: string
  headers: PlanRequest
  /** Length of the representation; undefined for a stream of unknown length. */
  size: number | undefined
  validators: Validators
  /** Whether the body can be read by range (files, buffers, ranged sources) and ranges are enabled. */
  rangeable: boolean
  maxRanges: number
  /** Current time, for the strength of a Last-Modified date (RFC 9110 section 8.8.2.2). */
  now: number
}

/** What to answer, decided from the request and the entity's metadata alone. */
export type Plan =
  | { status: 200, head: boolean }
  | { status: 206, head: false, range: ByteRange }
  | { status: 206, head: false, ranges: ByteRange[] }
  | { status: 304 }
  | { status: 412 }
  | { status: 416 }

const isReadMethod = (method: string): boolean => method === 'GET' || method === 'HEAD'

/**
 * Decides status and body shape: preconditions (RFC 9110 section 13.2.2), then Range (section 14.2)
 * for GET only, under If-Range (section 13.1.5).
 *
 * @example
 * plan({ method: 'GET', headers: { range: 'bytes=0-9' }, size: 100, validators: {}, rangeable: true, maxRanges: 100, now: Date.now() })
 * // { status: 206, head: false, range: { start: 0, end: 9 } }
 */
export function plan (input: PlanInput): Plan {
  const precondition = evaluatePreconditions(input.headers, input.validators, input.method)
  if (precondition === 412) return { status: 412 }
  // §13.1.2: a matching If-None-Match on a method other than GET/HEAD fails the request.
  if (precondition === 304) return isReadMethod(input.method) ? { status: 304 } : { status: 412 }

  const head = input.method === 'HEAD'
  const range = input.headers.range
  if (input.method !== 'GET' || range === undefined || !input.rangeable || input.size === undefined) {
    return { status: 200, head }
  }
  if (!ifRangeAllows(input.headers['if-range'], input.validators, input.now)) return { status: 200, head }
  const request = parseRange(range, input.size, { maxRanges: input.maxRanges })
  switch (request.kind) {
    case 'none':
      return { status: 200, head }
    case 'unsatisfiable':
      return { status: 416 }
    case 'ranges':
      return request.ranges.length === 1
        ? { status: 206, head: false, range: request.ranges[0]! }
        : { status: 206, head: false, ranges: request.ranges }
  }
}
