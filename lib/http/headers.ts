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

/** The media type of the body: the caller's (mediaType, or a Content-Type in headers), else guessed from the name. */
export function contentType (filename: string, opts: ResolvedOptions): string {
  if (opts.mediaType !== undefined) return withCharset(opts.mediaType)
  const given = opts.headers?.['content-type']
  return typeof given === 'string' ? given : mediaType(filename)
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

/**
 * The caller's extra headers, then the app's own: a header the app set on the reply before the call
 * (a CSP, a Cache-Control) wins over the plugin's default. The Content-Type of a multipart answer is
 * framing (it carries the boundary), so the caller's stays on the parts.
 */
export function finalHeaders (opts: ResolvedOptions, headers: Headers, reply: { hasHeader: (name: string) => boolean }): Headers {
  const multipart = typeof headers['content-type'] === 'string' && headers['content-type'].startsWith('multipart/byteranges')
  if (opts.headers !== undefined) {
    for (const name in opts.headers) {
      if (!(multipart && name === 'content-type')) headers[name] = opts.headers[name]!
    }
  }
  for (const name of APP_WINS) {
    if (reply.hasHeader(name)) delete headers[name]
  }
  return headers
}

const APP_WINS = ['content-security-policy', 'cache-control', 'x-content-type-options'] as const
