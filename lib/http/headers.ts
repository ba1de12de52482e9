import type { Entity } from '../body/entity.js'
import type { ResolvedOptions } from '../options.js'
import { contentDisposition, type DispositionType } from './disposition.js'
import { isActiveContent, mediaTypeFor, withCharset } from './media-type.js'

export type HeaderValue = string | number | string[]
export type Headers = Record<string, HeaderValue>

/** The validators a response carries, per the etag/lastModified options. */
export function validatorHeaders (entity: Entity, opts: ResolvedOptions, headers: Headers): void {
  if (entity.etag !== undefined) headers.etag = entity.etag
  if (entity.lastModified !== undefined) headers['last-modified'] = new Date(entity.lastModified).toUTCString()
  if (opts.cacheControl !== undefined) headers['cache-control'] = opts.cacheControl
}

/** The media type of the body: the caller's, else guessed from the suggested file name. */
export function contentType (filename: string, opts: ResolvedOptions): string {
  return opts.mediaType === undefined ? mediaTypeFor(filename) : withCharset(opts.mediaType)
}

/**
 * Headers of a 200 or 206 that do not depend on the range: disposition, type, validators, caching,
 * and the defences (nosniff; a sandbox CSP for active content shown inline).
 */
export function representationHeaders (
  entity: Entity, type: DispositionType, filename: string, mediaType: string, opts: ResolvedOptions, rangeable: boolean
): Headers {
  const headers: Headers = {
    'content-type': mediaType,
    'content-disposition': contentDisposition(type, filename),
    'accept-ranges': rangeable ? 'bytes' : 'none',
    'x-content-type-options': 'nosniff'
  }
  validatorHeaders(entity, opts, headers)
  if (type === 'inline' && isActiveContent(mediaType)) headers['content-security-policy'] = 'sandbox'
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
