import { close, stat, statSync, type BigIntStats } from 'node:fs'
import { toHttpTime } from '../../http/date.js'
import { fsError, FST_DOWNLOADS_FILE_CHANGED } from '../../errors.js'
import { fileETag } from '../../http/etag.js'
import { memoize, shortString } from '../../memo.js'
import { checkDotfiles, pathSegments } from '../../path/confine.js'
import { basename } from 'node:path'
import { after, type Later } from '../../later.js'
import { confineReal, realpathNative } from '../../path/resolve.js'
import type { DotfilesPolicy } from '../../types.js'
import { bufferBody } from '../buffer.js'
import { noop, type Entity } from '../../entity.js'
import { descriptor, sharedDescriptor, type SharedDescriptor } from './descriptor.js'
import { fileEntity, fileMeta, fstatBig, openFile, readWhole, type FileMeta } from './file.js'
import { identityOf, sameFile, type CachedFile, type FileCache } from './file-cache.js'

export interface PathContext {
  /** The real path of the root this call is confined to. */
  root: string
  dotfiles: DotfilesPolicy
  cache: FileCache
  /** Check a cached file with a synchronous stat (fast) rather than an async one (never blocks the loop). */
  syncStat: boolean
  /** The file will be deleted after the response: never cache it. */
  uncached: boolean
}

interface CheckedPath {
  readonly segments: readonly string[]
  /** The segments joined with `/`: the path under the root. */
  readonly relative: string
  /** The last root this path was asked under, and the full path there (the cache key and what is stat-ed). */
  root: string | undefined
  requested: string | undefined
}

// The same few paths are asked for again and again; their checked segments are kept (shared). A path
// that fails the check throws and is not kept; long ones are not kept either.
const checkedPath = memoize((file: string): CheckedPath => {
  const segments = Object.freeze(pathSegments(file))
  return Object.seal({ segments, relative: segments.join('/'), root: undefined, requested: undefined })
}, 1024, shortString)

/**
 * The path under its root, as one flat string made once per path and root: a string built per request
 * would be flattened and hashed again for the cache lookup and compared character by character with the
 * cache's key (about 1% of a cached 1 KiB file's instructions, benchmarks/README.md).
 */
function requestedPath (checked: CheckedPath, root: string): string {
  if (checked.root === root) return checked.requested!
  const requested = root + '/' + checked.relative
  checked.root = root
  checked.requested = requested
  return requested
}

const statBig = (path: string): Promise<BigIntStats | undefined> => new Promise((resolve) =>
  stat(path, { bigint: true }, (err, stats) => resolve(err === null ? stats : undefined)))

function statNow (path: string, sync: boolean): Later<BigIntStats | undefined> {
  // A vanished file, or a path component that is no longer a directory, is simply not the cached one.
  return sync ? statSync(path, { bigint: true, throwIfNoEntry: false }) : statBig(path)
}

/** An entity over a cached copy; its ranges are slices of the copy, its body one write. */
function cachedEntity (entry: CachedFile & { data: Buffer }): Entity {
  return {
    foreign: false,
    file: entry.real,
    size: entry.data.length,
    etag: entry.etag,
    lastModified: entry.lastModified,
    rangeable: true,
    filename: entry.filename,
    open: (range) => range === undefined ? entry.data : bufferBody(entry.data.subarray(range.start, range.end + 1)),
    release: noop
  }
}

/**
 * A path under the root as an entity: the request path is checked (pure), then served from the cache
 * when a fresh stat shows the cached file unchanged (a large file reads from the descriptor its entry
 * still has open, or is reopened at its known real path and must fstat as that same file), else resolved with realpath, confined, opened and fstat-ed; a small
 * file is then read whole and cached, a large one streamed from its descriptor. A cached small file
 * checked with a synchronous stat is answered without a promise: that is the hot path.
 */
export function pathEntity (file: string, ctx: PathContext): Later<Entity> {
  const checked = checkedPath(file)
  const segments = checked.segments
  checkDotfiles(segments, ctx.dotfiles)
  const requested = requestedPath(checked, ctx.root)
  const useCache = ctx.cache.enabled && !ctx.uncached
  const entry = useCache ? ctx.cache.get(requested) : undefined
  if (entry === undefined) return resolvePath(segments, requested, ctx, useCache)
  return after(statNow(requested, ctx.syncStat), (stats) => fromCache(entry, stats, segments, requested, ctx))
}

function fromCache (
  entry: CachedFile, now: BigIntStats | undefined, segments: readonly string[], requested: string, ctx: PathContext
): Later<Entity> {
  if (now === undefined || !sameFile(entry.identity, now)) {
    ctx.cache.delete(requested)
    return resolvePath(segments, requested, ctx, true)
  }
  if (entry.served !== undefined) return entry.served
  // The path still leads, unchanged, to the inode a recent response opened: read from that descriptor.
  if (entry.file !== undefined) return fileEntity(entry.real, entry.filename, entry.file, entryMeta(entry), ctx.syncStat)
  return reopen(entry, segments, requested, ctx)
}

function entryMeta (entry: CachedFile): FileMeta {
  return { size: Number(entry.identity.size), etag: entry.etag, lastModified: entry.lastModified, identity: entry.identity }
}

/** Gives a large file's entry the descriptor just opened, for the requests that follow to share. */
function shared (entry: CachedFile, fd: number): SharedDescriptor {
  entry.file?.retire()
  const file = sharedDescriptor(fd, () => {
    if (entry.file === file) entry.file = undefined
  })
  entry.file = file
  return file
}

/** A large file whose resolution is cached: skip realpath, but only use what was opened if it is still that very file. */
async function reopen (entry: CachedFile, segments: readonly string[], requested: string, ctx: PathContext): Promise<Entity> {
  const opened = await openFile(entry.real, ctx).catch(() => undefined)
  if (opened !== undefined && sameFile(entry.identity, opened.stats)) {
    return fileEntity(entry.real, entry.filename, shared(entry, opened.fd), fileMeta(opened.stats), ctx.syncStat)
  }
  if (opened !== undefined) close(opened.fd, noop)
  ctx.cache.delete(requested)
  return await resolvePath(segments, requested, ctx, true)
}

async function resolvePath (segments: readonly string[], requested: string, ctx: PathContext, useCache: boolean, retried = false): Promise<Entity> {
  const real = await confineReal(ctx.root, segments, ctx.dotfiles)
  const { fd, stats } = await openFile(real, ctx)
  const size = Number(stats.size)
  const filename = segments[segments.length - 1]!
  const resolved: CachedFile = {
    identity: identityOf(stats),
    real,
    data: undefined,
    etag: fileETag(stats),
    lastModified: toHttpTime(Number(stats.mtimeMs)),
    filename
  }
  if (!useCache || !ctx.cache.fits(size)) {
    if (!useCache) return fileEntity(real, filename, descriptor(fd), fileMeta(stats), ctx.syncStat)
    ctx.cache.set(requested, resolved)
    return fileEntity(real, filename, shared(resolved, fd), fileMeta(stats), ctx.syncStat)
  }

  let data: Buffer | undefined
  try {
    data = await readWhole(fd, size).catch((err: unknown) => {
      if (err instanceof FST_DOWNLOADS_FILE_CHANGED) return undefined
      throw err
    })
    // Stat again after reading: a file written to meanwhile may have given torn bytes.
    if (data !== undefined && !sameFile(resolved.identity, await fstatBig(fd))) data = undefined
  } finally {
    close(fd, noop)
  }
  if (data === undefined) {
    // Torn bytes are neither served nor kept. A writer is at work: its next version is read once more.
    if (!retried) return await resolvePath(segments, requested, ctx, useCache, true)
    throw Object.assign(new FST_DOWNLOADS_FILE_CHANGED(), { headers: { 'retry-after': '1' } })
  }
  const entry: CachedFile & { data: Buffer } = { ...resolved, data }
  entry.served = cachedEntity(entry)
  ctx.cache.set(requested, entry)
  return entry.served
}

/** A file the server chose (trustedFile()): resolved and opened as any, but confined to no root and never cached. */
export async function trustedEntity (path: string, syncStat: boolean): Promise<Entity> {
  let real: string
  try {
    real = await realpathNative(path)
  } catch (err) {
    throw fsError(err as NodeJS.ErrnoException)
  }
  const { fd, stats } = await openFile(real, undefined)
  // deleteAfter removes what the server named (a link, not what it points to).
  return fileEntity(path, basename(path), descriptor(fd), fileMeta(stats), syncStat)
}
