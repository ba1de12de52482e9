import mime from 'mime'

const OCTET_STREAM = 'application/octet-stream'

// RFC 9110 §5.6.2 token, and §8.3.1 media-type (type "/" subtype *( OWS ";" OWS parameter )).
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+"
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|"[^"\\\\\\u0000-\\u001f\\u007f]*"))*$`)
const CODINGS = new RegExp(`^${TOKEN}(?:[ \\t]*,[ \\t]*${TOKEN})*$`)

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

/**
 * A media type a source reported (a store's metadata), if it is exactly one well-formed type: anything
 * else (a list such as `text/plain, text/html`, which browsers read as its last item; a CR or LF) is
 * dropped, so no uploader chooses a type the CSP sandbox does not see.
 *
 * @example
 * singleMediaType('text/plain, text/html') // undefined
 */
export function singleMediaType (value: string | undefined): string | undefined {
  return value !== undefined && MEDIA_TYPE.test(value) ? value : undefined
}

/**
 * The content codings a source's bytes are stored in (`gzip`), when well-formed and not `identity`.
 *
 * @example
 * contentCodings('gzip') // 'gzip'
 */
export function contentCodings (value: string | undefined): string | undefined {
  return value !== undefined && CODINGS.test(value) && value.toLowerCase() !== 'identity' ? value : undefined
}
