/**
 * A strong entity tag for a file, from the identity a change always moves: inode, size and the
 * nanosecond-resolution mtime (RFC 9110 section 8.8.3).
 */
export function fileETag (ino: number, size: number, mtimeMs: number): string {
  return `"${ino.toString(36)}-${size.toString(36)}-${Math.round(mtimeMs * 1e3).toString(36)}"`
}

/** Wraps an opaque tag given by a caller as a strong ETag, unless it is already a quoted entity-tag. */
export function normalizeETag (tag: string): string {
  return /^(W\/)?"[^"]*"$/.test(tag) ? tag : `"${tag.replace(/["\\\x00-\x20\x7f]/g, '')}"`
}

export function isWeak (tag: string): boolean {
  return tag.startsWith('W/')
}

function opaque (tag: string): string {
  return isWeak(tag) ? tag.slice(2) : tag
}

/**
 * Splits an If-Match / If-None-Match value into its entity-tags (RFC 9110 section 8.8.3). Commas may
 * stand inside a quoted tag, so this is a scan, not a split. Malformed members are dropped.
 */
export function parseETagList (value: string): string[] {
  const tags: string[] = []
  let i = 0
  const len = value.length
  while (i < len) {
    const c = value.charCodeAt(i)
    if (c === 0x20 || c === 0x09 || c === 0x2c) { i++; continue }
    let start = i
    if (value.startsWith('W/', i)) i += 2
    if (value.charCodeAt(i) === 0x22) {
      const close = value.indexOf('"', i + 1)
      if (close === -1) break
      tags.push(value.slice(start, close + 1))
      i = close + 1
    } else {
      // Not an entity-tag (e.g. `*` inside a list, or garbage): skip to the next member.
      start = value.indexOf(',', i)
      i = start === -1 ? len : start + 1
    }
  }
  return tags
}

/** Strong comparison: both tags strong and their opaque parts equal (RFC 9110 section 8.8.3.2). */
export function strongMatch (a: string, b: string): boolean {
  return !isWeak(a) && !isWeak(b) && a === b
}

/** Weak comparison: opaque parts equal, whatever the weakness (RFC 9110 section 8.8.3.2). */
export function weakMatch (a: string, b: string): boolean {
  return opaque(a) === opaque(b)
}
