import { close, constants, fstat, fstatSync, open, read, type BigIntStats } from 'node:fs'
import { toHttpTime } from '../../http/date.js'
import { promisify } from 'node:util'
import type { ByteRange } from '../../conditional/range.js'
import { fsError, FST_DOWNLOADS_FILE_CHANGED, FST_DOWNLOADS_NOT_FOUND } from '../../errors.js'
import { fileETag } from '../../http/etag.js'
import { proveConfined, type Confinement } from '../../path/resolve.js'
import { type Body, type Entity } from '../../entity.js'
import type { Descriptor } from './descriptor.js'
import { FileBody, STREAM_CHUNK } from './file-body.js'
import { identityOf, sameFile, type FileIdentity } from './file-cache.js'

const openAsync = promisify(open)
const readAsync = promisify(read)
export const fstatBig = (fd: number): Promise<BigIntStats> => new Promise((resolve, reject) =>
  fstat(fd, { bigint: true }, (err, stats) => err === null ? resolve(stats) : reject(err)))

// O_NOFOLLOW: the real path has no symlink left, so one appearing now is a swap; O_NONBLOCK: a FIFO must not hang open().
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK

/**
 * Opens a file once, stats the open descriptor (no stat-then-open race) and, given a confinement, proves
 * it is the confined file (no realpath-then-open race). A directory or anything but a regular file is a 404.
 */
export async function openFile (real: string, where: Confinement | undefined): Promise<{ fd: number, stats: BigIntStats }> {
  let fd: number
  try {
    fd = await openAsync(real, OPEN_FLAGS)
  } catch (err) {
    throw fsError(err as NodeJS.ErrnoException)
  }
  try {
    // BigInt: the nanosecond mtime and ctime that tell a cached copy from a changed file.
    const stats = await fstatBig(fd)
    if (!stats.isFile()) throw new FST_DOWNLOADS_NOT_FOUND()
    if (where !== undefined) await proveConfined(fd, stats, real, where)
    return { fd, stats }
  } catch (err) {
    close(fd, () => {})
    throw err
  }
}

/** What an entity says about its file, from the fstat of the open descriptor. */
export interface FileMeta {
  size: number
  etag: string
  lastModified: number
  /** What the file was when the headers were made: a body checks it again before its last bytes. */
  identity: FileIdentity
}

export function fileMeta (stats: BigIntStats): FileMeta {
  return { size: Number(stats.size), etag: fileETag(stats), lastModified: toHttpTime(Number(stats.mtimeMs)), identity: identityOf(stats) }
}

/**
 * A file entity over a descriptor. It holds a reference until release(); each body and each multipart
 * read takes one of its own, so the descriptor stays open until the last read is back.
 */
export function fileEntity (real: string, filename: string, file: Descriptor, meta: FileMeta, syncStat: boolean): Entity {
  const { size, identity } = meta
  let released = false
  file.ref()
  return {
    size,
    etag: meta.etag,
    lastModified: meta.lastModified,
    foreign: false,
    file: real,
    rangeable: true,
    filename,
    open: (range?: ByteRange): Body => {
      if (size === 0) return Buffer.alloc(0)
      file.ref()
      return new FileBody(file.fd, range?.start ?? 0, range?.end ?? size - 1, identity, syncStat, file.unref)
    },
    parts: async function * (ranges: readonly ByteRange[]): AsyncGenerator<Buffer> {
      file.ref()
      try {
        yield * readRanges(file.fd, ranges, identity, syncStat)
      } finally {
        file.unref()
      }
    },
    release: () => {
      if (released) return
      released = true
      file.unref()
    }
  }
}

/**
 * Reads byte ranges of a descriptor in order by position. Before the last bytes go out the file must still
 * be the one the headers describe: a file rewritten meanwhile would close a body that mixes two versions.
 */
async function * readRanges (fd: number, ranges: readonly ByteRange[], identity: FileIdentity, syncStat: boolean): AsyncGenerator<Buffer> {
  for (let i = 0; i < ranges.length; i++) {
    const range = ranges[i]!
    let position = range.start
    while (position <= range.end) {
      const length = Math.min(STREAM_CHUNK, range.end - position + 1)
      const buffer = Buffer.allocUnsafe(length)
      const { bytesRead } = await readAsync(fd, buffer, 0, length, position)
      // The file shrank under us: stop rather than pad; the connection is cut short.
      if (bytesRead === 0) throw new FST_DOWNLOADS_FILE_CHANGED()
      position += bytesRead
      if (position > range.end && i === ranges.length - 1) {
        const now = syncStat ? fstatSync(fd, { bigint: true }) : await fstatBig(fd)
        if (!sameFile(identity, now)) throw new FST_DOWNLOADS_FILE_CHANGED()
      }
      yield bytesRead === length ? buffer : buffer.subarray(0, bytesRead)
    }
  }
}

/** Reads a whole small file through its descriptor, into one buffer. */
export async function readWhole (fd: number, size: number): Promise<Buffer> {
  const data = Buffer.allocUnsafe(size)
  let offset = 0
  while (offset < size) {
    const { bytesRead } = await readAsync(fd, data, offset, size - offset, offset)
    if (bytesRead === 0) throw new FST_DOWNLOADS_FILE_CHANGED()
    offset += bytesRead
  }
  return data
}
