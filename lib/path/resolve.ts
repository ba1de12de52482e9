import { existsSync, readlinkSync, realpath, stat, type BigIntStats } from 'node:fs'
import { promisify } from 'node:util'
import {
  FST_DOWNLOADS_ACCESS_DENIED, FST_DOWNLOADS_NOT_FOUND, FST_DOWNLOADS_PATH_FORBIDDEN, FST_DOWNLOADS_SOURCE_FAILED, FST_DOWNLOADS_UNAVAILABLE
} from '../errors.js'
import type { DotfilesPolicy } from '../types.js'
import { checkDotfiles, relativeInside } from './confine.js'

// The native realpath(3) is one thread-pool call; the JavaScript one lstats every segment.
export const realpathNative = promisify(realpath.native)
const statBigAsync = (path: string): Promise<BigIntStats> => new Promise((resolve, reject) =>
  stat(path, { bigint: true }, (err, stats) => err === null ? resolve(stats) : reject(err)))

// Linux names the file behind a descriptor in /proc/self/fd: one lookup in kernel memory (never a disk or
// network file system, so read synchronously: a thread-pool round trip cost a fifth of an uncached hit).
const PROC_FD = process.platform === 'linux' && existsSync('/proc/self/fd')

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
    case 'EMFILE':
    case 'ENFILE':
      // Out of descriptors is load, not a fault: clients and proxies may retry a 503 (RFC 9110 §15.6.4).
      return Object.assign(new FST_DOWNLOADS_UNAVAILABLE({ cause: err }), { headers: { 'retry-after': '1' } })
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
  confined(root, real, dotfiles)
  return real
}

/** Throws unless the real path `real` is inside `root` and passes the dotfiles policy. */
function confined (root: string, real: string, dotfiles: DotfilesPolicy): void {
  const inside = relativeInside(root, real)
  if (inside === undefined) throw new FST_DOWNLOADS_PATH_FORBIDDEN()
  // A symlink inside the root may point at a dotfile inside it.
  checkDotfiles(inside, dotfiles)
}

/** The root a file must be found under, with the dotfiles policy that applies there. */
export interface Confinement {
  root: string
  dotfiles: DotfilesPolicy
}

/**
 * Proves that a descriptor opened by the name `real` is a file inside the root. Between realpath and
 * open a folder of the path can be swapped for a symlink out of the root, and O_NOFOLLOW guards only
 * the last segment. On Linux the kernel names the file the descriptor is open on; elsewhere the path is
 * resolved once more and must lead to the very inode opened (that narrows the window, not close it).
 */
export async function proveConfined (fd: number, stats: BigIntStats, real: string, where: Confinement, viaProc = PROC_FD): Promise<void> {
  try {
    if (viaProc) {
      confined(where.root, readlinkSync(`/proc/self/fd/${fd}`), where.dotfiles)
      return
    }
    const again = await realpathNative(real)
    confined(where.root, again, where.dotfiles)
    const now = await statBigAsync(again)
    if (now.dev !== stats.dev || now.ino !== stats.ino) throw new FST_DOWNLOADS_PATH_FORBIDDEN()
  } catch (err) {
    throw (err as { code?: string }).code?.startsWith('FST_') === true ? err : fsError(err as NodeJS.ErrnoException)
  }
}
