import { existsSync, readlinkSync, realpath, stat, type BigIntStats } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { fsError, FST_DOWNLOADS_INVALID_OPTION, FST_DOWNLOADS_PATH_FORBIDDEN, isOwnError } from '../errors.js'
import type { DotfilesPolicy } from '../types.js'
import { checkDotfiles, relativeInside } from './confine.js'

// The native realpath(3) is one thread-pool call; the JavaScript one lstats every segment.
export const realpathNative = promisify(realpath.native)
const statBigAsync = (path: string): Promise<BigIntStats> => new Promise((resolve, reject) =>
  stat(path, { bigint: true }, (err, stats) => err === null ? resolve(stats) : reject(err)))

// Linux names the file behind a descriptor in /proc/self/fd: one lookup in kernel memory (never a disk or
// network file system, so read synchronously: a thread-pool round trip cost a fifth of an uncached hit).
const PROC_FD = process.platform === 'linux' && existsSync('/proc/self/fd')

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
    throw isOwnError(err) ? err : fsError(err as NodeJS.ErrnoException)
  }
}

/** Turns a root given as a path or a `file:` URL into an absolute path. */
export function rootPath (root: string | URL): string {
  const path = root instanceof URL || root.startsWith('file:') ? fileURLToPath(root) : root
  return isAbsolute(path) ? path : resolve(path)
}

/** The real path of a per-call root option. */
export async function realRoot (root: string | URL): Promise<string> {
  try {
    return await realpathNative(rootPath(root))
  } catch (err) {
    // The per-call root is server configuration: a missing one is the server's fault, not the client's.
    throw new FST_DOWNLOADS_INVALID_OPTION('root', (err as Error).message)
  }
}
