import type { Validators } from '../conditional/preconditions.js'
import type { ResolvedOptions } from '../options.js'
import { contentDisposition, type DispositionType } from './disposition.js'
import { isActiveContent, mediaTypeFor, withCharset } from './media-type.js'
import { memoize } from './memo.js'

const attachment = memoize((filename: string) => contentDisposition('attachment', filename))
const inline = memoize((filename: string) => contentDisposition('inline', filename))
const mediaType = memoize(mediaTypeFor)
const httpDate = memoize((ms: number) => new Date(ms).toUTCString())
const active = memoize(isActiveContent)

export type HeaderValue = string | number | string[]
export type Headers = Record<string, HeaderValue>

/** The validators a response carries, per the etag/lastModified options. */
export function validatorHeaders (validators: Validators, opts: ResolvedOptions, headers: Headers): void {
  if (validators.etag !== undefined) headers.etag = validators.etag
  if (validators.lastModified !== undefined) headers['last-modified'] = httpDate(validators.lastModified)
  if (opts.cacheControl !== undefined) headers['cache-control'] = opts.cacheControl
}

/** The media type of the body: the caller's, else guessed from the suggested file name. */
export function contentType (filename: string, opts: ResolvedOptions): string {
  return opts.mediaType === undefined ? mediaType(filename) : withCharset(opts.mediaType)
}

/**
 * Headers of a 200 or 206 that do not depend on the range: disposition, type, validators, caching,
 * and the defences (nosniff; a sandbox CSP for active content shown inline).
 */
export function representationHeaders (
  validators: Validators, type: DispositionType, filename: string, mediaType: string, opts: ResolvedOptions, rangeable: boolean
): Headers {
  const headers: Headers = {
    'content-type': mediaType,
    'content-disposition': type === 'attachment' ? attachment(filename) : inline(filename),
    'accept-ranges': rangeable ? 'bytes' : 'none',
    'x-content-type-options': 'nosniff'
  }
  validatorHeaders(validators, opts, headers)
  if (type === 'inline' && active(mediaType)) headers['content-security-policy'] = 'sandbox'
  return headers
}

// Framing is ours to decide: a caller's value here would corrupt the response.
const FRAMING = new Set(['content-length', 'content-range', 'transfer-encoding'])

/** The caller's extra headers, without the framing ones. */
export function callerHeaders (opts: ResolvedOptions, headers: Headers): void {
  if (opts.headers === undefined) return
  for (const name in opts.headers) {
    const lower = name.toLowerCase()
    if (!FRAMING.has(lower)) headers[lower] = opts.headers[name]!
  }
}
