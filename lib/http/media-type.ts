import mime from 'mime'

const OCTET_STREAM = 'application/octet-stream'

/**
 * The Content-Type for a file name: from `mime`, with `; charset=utf-8` on text types (and JSON-like
 * types `mime` marks as text), `application/octet-stream` when unknown.
 */
export function mediaTypeFor (filename: string): string {
  return knownMediaType(filename) ?? OCTET_STREAM
}

/** The Content-Type a file name's extension gives (as mediaTypeFor()), or null when `mime` knows none. */
export function knownMediaType (filename: string): string | null {
  const type = mime.getType(filename)
  return type === null ? null : withCharset(type)
}

/** Adds `; charset=utf-8` to a bare text media type; leaves one with parameters as it is. */
export function withCharset (type: string): string {
  if (type.includes(';')) return type
  return isTextual(type) ? `${type}; charset=utf-8` : type
}

function isTextual (type: string): boolean {
  return type.startsWith('text/') || type === 'application/json' || type === 'application/javascript' ||
    type.endsWith('+json') || type === 'application/xml' || type.endsWith('+xml')
}

// Types a browser would run script in when shown inline (RFC 9110 gives no list; these are the ones browsers render as documents).
const ACTIVE = /^(?:text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml|[a-z]+\/[a-z0-9.+-]*\+xml|text\/xsl|application\/xslt\+xml)\b/i

/** Whether a media type is a document a browser renders with script (HTML, XHTML, SVG, XML). */
export function isActiveContent (type: string): boolean {
  return ACTIVE.test(type)
}
