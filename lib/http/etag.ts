/**
 * A strong entity tag for a file, from what a change always moves: inode, size and the nanosecond
 * mtime (RFC 9110 section 8.8.3).
 */
export function fileETag (stats: { ino: bigint, size: bigint, mtimeNs: bigint }): string {
  return `"${stats.ino.toString(36)}-${stats.size.toString(36)}-${stats.mtimeNs.toString(36)}"`
}

// etagc of RFC 9110 section 8.8.3: visible ASCII but DQUOTE, and obs-text.
const ENTITY_TAG = /^(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*"$/
const NOT_ETAGC = /[^\x21\x23-\x7e\x80-\xff]/g

/**
 * A caller's tag as a valid entity-tag: kept when it already is one (weak or strong), else its
 * opaque part without the characters an entity-tag cannot hold, quoted as a strong tag.
 */
export function normalizeETag (tag: string): string {
  if (ENTITY_TAG.test(tag)) return tag
  const weak = tag.startsWith('W/"') && tag.endsWith('"') && tag.length >= 4
  const opaque = weak ? tag.slice(3, -1) : tag.startsWith('"') && tag.endsWith('"') && tag.length >= 2 ? tag.slice(1, -1) : tag
  return `${weak ? 'W/' : ''}"${opaque.replace(NOT_ETAGC, '')}"`
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
