import { sep } from 'node:path'
import { FST_DOWNLOADS_DOTFILE_DENIED, FST_DOWNLOADS_NAME_TOO_LONG, FST_DOWNLOADS_NOT_FOUND, FST_DOWNLOADS_PATH_FORBIDDEN } from '../errors.js'
import type { DotfilesPolicy } from '../types.js'

// `%2e`, `%2f`, `%5c`, `%00` left in a path that was already URL-decoded: a double-encoding attempt.
const ENCODED_SEPARATOR = /%(?:2e|2f|5c|00)/i
const WINDOWS_DRIVE = /^[a-zA-Z]:/
// Logged with the 403 (pino serialises it), never sent: what a handler that passed its own absolute path meant to do.
const ABSOLUTE_HINT = 'paths are served relative to the root; for an absolute path the server chose itself (a temp file), pass trustedFile(path)'

/**
 * Splits a request path into segments under the root, or throws a 403 for anything that tries to
 * leave it: `..`, an absolute path, NUL, a backslash, or an encoded form of these. Pure: no I/O.
 */
export function pathSegments (file: string): string[] {
  if (file.length === 0) throw new FST_DOWNLOADS_NOT_FOUND()
  if (file.startsWith('/') || WINDOWS_DRIVE.test(file)) throw Object.assign(new FST_DOWNLOADS_PATH_FORBIDDEN(), { hint: ABSOLUTE_HINT })
  if (file.includes('\0') || file.includes('\\') || ENCODED_SEPARATOR.test(file)) throw new FST_DOWNLOADS_PATH_FORBIDDEN()
  const segments: string[] = []
  for (const segment of file.split('/')) {
    if (segment === '..') throw new FST_DOWNLOADS_PATH_FORBIDDEN()
    if (segment === '' || segment === '.') continue
    // Longer than NAME_MAX: a client error, and what FileNameSchema cannot count (JSON Schema counts characters).
    if (Buffer.byteLength(segment) > 255) throw new FST_DOWNLOADS_NAME_TOO_LONG()
    segments.push(segment)
  }
  if (segments.length === 0) throw new FST_DOWNLOADS_NOT_FOUND()
  return segments
}

/** Applies the dotfiles policy to path segments: 404 for `ignore`, 403 for `deny`. */
export function checkDotfiles (segments: readonly string[], policy: DotfilesPolicy): void {
  if (policy === 'allow') return
  for (const segment of segments) {
    if (segment.charCodeAt(0) === 0x2e) {
      throw policy === 'deny' ? new FST_DOWNLOADS_DOTFILE_DENIED() : new FST_DOWNLOADS_NOT_FOUND()
    }
  }
}

/**
 * The path of `real` relative to `root` as segments, or undefined when `real` is outside it. Compares
 * with a trailing separator, so a sibling `files2` is not inside `files`.
 */
export function relativeInside (root: string, real: string): string[] | undefined {
  const prefix = root.endsWith(sep) ? root : root + sep
  if (!real.startsWith(prefix)) return undefined
  return real.slice(prefix.length).split(sep)
}
