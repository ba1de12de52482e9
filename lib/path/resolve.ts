import { realpath } from 'node:fs'
import { promisify } from 'node:util'
import { FST_DOWNLOADS_ACCESS_DENIED, FST_DOWNLOADS_NOT_FOUND, FST_DOWNLOADS_PATH_FORBIDDEN, FST_DOWNLOADS_SOURCE_FAILED } from '../errors.js'
import type { DotfilesPolicy } from '../types.js'
import { checkDotfiles, relativeInside } from './confine.js'

// The native realpath(3) is one thread-pool call; the JavaScript one lstats every segment.
export const realpathNative = promisify(realpath.native)

/** Maps a file system error to the plugin's 4xx; anything else is a server fault, whose message (with a path) stays in the log. */
export function fsError (err: NodeJS.ErrnoException): Error {
  switch (err.code) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'ENAMETOOLONG':
    case 'EISDIR':
    case 'ELOOP':
      return new FST_DOWNLOADS_NOT_FOUND()
    case 'EACCES':
    case 'EPERM':
      return new FST_DOWNLOADS_ACCESS_DENIED()
    default:
      return new FST_DOWNLOADS_SOURCE_FAILED({ cause: err })
  }
}

/**
 * Follows symlinks with realpath and checks the result is still inside `root` (itself a real path)
 * and passes the dotfiles policy; `segments` were already checked by pathSegments().
 */
export async function confineReal (root: string, segments: readonly string[], dotfiles: DotfilesPolicy): Promise<string> {
  let real: string
  try {
    real = await realpathNative(root + '/' + segments.join('/'))
  } catch (err) {
    throw fsError(err as NodeJS.ErrnoException)
  }
  const inside = relativeInside(root, real)
  if (inside === undefined) throw new FST_DOWNLOADS_PATH_FORBIDDEN()
  // A symlink inside the root may point at a dotfile inside it.
  checkDotfiles(inside, dotfiles)
  return real
}
