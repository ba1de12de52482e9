import { multipartLayout, newBoundary, type MultipartLayout } from './body/multipart.js'
import type { Plan } from './conditional/plan.js'
import type { Validators } from './conditional/preconditions.js'
import type { ByteRange } from './conditional/range.js'
import { FST_DOWNLOADS_PRECONDITION_FAILED, FST_DOWNLOADS_RANGE_NOT_SATISFIABLE } from './errors.js'
import { contentRange, unsatisfiedRange } from './http/content-range.js'
import { httpDate } from './http/date.js'
import { dispositionOfSafe, type DispositionType } from './http/disposition.js'
import { isActiveContent, knownMediaType, withCharset } from './http/media-type.js'
import { memoize } from './memo.js'
import type { ResolvedOptions } from './options.js'

export type HeaderValue = string | number | string[]
export type Headers = Record<string, HeaderValue>

/**
 * Which body goes with the headers. A new delivery (an offload header, a redirect) is one more case here
 * and one more branch where the body is opened, nothing else.
 */
export type BodyPlan =
  | { readonly kind: 'none' }
  | { readonly kind: 'whole' }
  | { readonly kind: 'range', readonly range: ByteRange }
  | { readonly kind: 'multipart', readonly ranges: readonly ByteRange[], readonly layout: MultipartLayout }

/** A decided response: everything but the body's bytes. */
export interface DecidedResponse {
  status: 200 | 206 | 304
  headers: Headers
  body: BodyPlan
}

export interface RespondInput {
  plan: Plan
  /** The representation's length; undefined for a stream of unknown length. */
  size: number | undefined
  validators: Validators
  /** Whether Range is offered (Accept-Ranges). */
  rangeable: boolean
  type: DispositionType
  /** The file name to suggest, already sanitised. */
  filename: string
  /** The source's own media type (a store's metadata), for a name whose extension gives none. */
  mediaType: string | undefined
  /** The content coding of the stored bytes (a store's gzip object), sent as Content-Encoding. */
  contentEncoding?: string | undefined
  opts: ResolvedOptions
  /** The reply, as far as respond() reads it: a header the app set before the call wins over the plugin's default. */
  app: { hasHeader: (name: string) => boolean }
}

const NONE: BodyPlan = Object.freeze({ kind: 'none' })
const WHOLE: BodyPlan = Object.freeze({ kind: 'whole' })
// Headers a header the app set before the call replaces (a CSP, a Cache-Control of its own).
const APP_WINS = ['content-security-policy', 'cache-control', 'x-content-type-options'] as const

const attachment = memoize((filename: string) => dispositionOfSafe('attachment', filename))
const inline = memoize((filename: string) => dispositionOfSafe('inline', filename))
const mediaType = memoize(knownMediaType)
const lastModified = memoize(httpDate)
const active = memoize(isActiveContent)

/**
 * The one place that decides a download's response headers: status, representation and validator
 * headers, framing (Content-Length, Content-Range, the multipart boundary), the caller's extra headers
 * and the app's own, for 200, 206 and 304; 412 and 416 are thrown as the plugin's errors (Fastify's
 * error format; a 416 carries `Content-Range: bytes *\/SIZE`). Pure: it writes nothing.
 *
 * @example
 * respond({ plan: { status: 206, head: false, range: { start: 0, end: 9 } }, size: 100, validators: {},
 *   rangeable: true, type: 'attachment', filename: 'a.bin', mediaType: undefined, opts, app: reply })
 * // { status: 206, headers: { ..., 'content-range': 'bytes 0-9/100', 'content-length': 10 }, body: { kind: 'range', ... } }
 */
export function respond (input: RespondInput): DecidedResponse {
  const { plan, opts } = input
  if (plan.status === 412) throw new FST_DOWNLOADS_PRECONDITION_FAILED()
  if (plan.status === 416) {
    throw Object.assign(new FST_DOWNLOADS_RANGE_NOT_SATISFIABLE(), { headers: { 'content-range': unsatisfiedRange(input.size!), 'accept-ranges': 'bytes' } })
  }
  const headers: Headers = {}
  if (plan.status === 304) {
    validatorHeaders(input.validators, opts, headers)
    return { status: 304, headers: withCallerAndApp(headers, opts, input.app, false), body: NONE }
  }

  const type = contentType(input.filename, input.mediaType, opts)
  headers['content-type'] = type
  headers['content-disposition'] = input.type === 'attachment' ? attachment(input.filename) : inline(input.filename)
  headers['accept-ranges'] = input.rangeable ? 'bytes' : 'none'
  headers['x-content-type-options'] = 'nosniff'
  if (input.contentEncoding !== undefined) headers['content-encoding'] = input.contentEncoding
  validatorHeaders(input.validators, opts, headers)
  if (input.type === 'inline' && active(type)) headers['content-security-policy'] = 'sandbox'

  let body: BodyPlan
  if (plan.status === 200) {
    if (input.size !== undefined) headers['content-length'] = input.size
    body = plan.head ? NONE : WHOLE
  } else if ('range' in plan) {
    headers['content-length'] = plan.range.end - plan.range.start + 1
    headers['content-range'] = contentRange(plan.range, input.size!)
    body = { kind: 'range', range: plan.range }
  } else {
    const layout = multipartLayout(plan.ranges, input.size!, type, newBoundary())
    headers['content-type'] = `multipart/byteranges; boundary=${layout.boundary}`
    headers['content-length'] = layout.length
    body = { kind: 'multipart', ranges: plan.ranges, layout }
  }
  return { status: plan.status, headers: withCallerAndApp(headers, opts, input.app, body.kind === 'multipart'), body }
}

/** The validators a response carries, per the etag/lastModified options, and the caching policy. */
function validatorHeaders (validators: Validators, opts: ResolvedOptions, headers: Headers): void {
  if (validators.etag !== undefined) headers.etag = validators.etag
  if (validators.lastModified !== undefined) headers['last-modified'] = lastModified(validators.lastModified)
  if (opts.cacheControl !== undefined) headers['cache-control'] = opts.cacheControl
}

/**
 * The media type of the body: the caller's (mediaType, or a Content-Type in headers), else the one the
 * name's extension gives, else the source's own (a store's metadata), else application/octet-stream.
 */
function contentType (filename: string, source: string | undefined, opts: ResolvedOptions): string {
  if (opts.mediaType !== undefined) return withCharset(opts.mediaType)
  const given = opts.headers?.['content-type']
  return typeof given === 'string' ? given : mediaType(filename) ?? source ?? 'application/octet-stream'
}

/**
 * The caller's extra headers (framing ones were dropped by http/caller-headers.ts when the options were resolved), then the app's
 * own: a header the app set on the reply before the call wins over the plugin's default. A multipart
 * answer's Content-Type is framing (it carries the boundary): the caller's stays on the parts.
 */
function withCallerAndApp (headers: Headers, opts: ResolvedOptions, app: RespondInput['app'], multipart: boolean): Headers {
  if (opts.headers !== undefined) {
    for (const name in opts.headers) {
      if (!(multipart && name === 'content-type')) headers[name] = opts.headers[name]!
    }
  }
  for (const name of APP_WINS) {
    if (app.hasHeader(name)) delete headers[name]
  }
  return headers
}
