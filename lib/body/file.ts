import { close, constants, fstat, open, read, type BigIntStats } from 'node:fs'
import { promisify } from 'node:util'
import type { ByteRange } from '../conditional/range.js'
import { FST_DOWNLOADS_NOT_FOUND } from '../errors.js'
import { fileETag } from '../http/etag.js'
import { fsError } from '../path/resolve.js'
import { toHttpTime, type Body, type Entity } from './entity.js'
import { FileBody, STREAM_CHUNK } from './file-body.js'

const openAsync = promisify(open)
const readAsync = promisify(read)
export const fstatBig = (fd: number): Promise<BigIntStats> => new Promise((resolve, reject) =>
  fstat(fd, { bigint: true }, (err, stats) => err === null ? resolve(stats) : reject(err)))

// O_NOFOLLOW: the real path has no symlink left, so one appearing now is a swap; O_NONBLOCK: a FIFO must not hang open().
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK

/**
 * Opens a file once and stats the open descriptor (no stat-then-open race). A directory or anything
 * but a regular file is a 404.
 */
export async function openFile (real: string): Promise<{ fd: number, stats: BigIntStats }> {
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
    return { fd, stats }
  } catch (err) {
    close(fd, () => {})
    throw err
  }
}

/**
 * A file entity over an open descriptor, shared by reference count: the entity holds one reference
 * (dropped by release()), a multipart reader holds one while it runs. A single body is a FileBody
 * that takes the entity's reference over and closes the descriptor once its pending read is done.
 */
export function fileEntity (filename: string, fd: number, stats: BigIntStats): Entity {
  const size = Number(stats.size)
  let refs = 1
  let released = false
  const unref = (): void => {
    if (--refs === 0) close(fd, () => {})
  }
  return {
    size,
    etag: fileETag(stats),
    lastModified: toHttpTime(Number(stats.mtimeMs)),
    kind: 'file',
    rangeable: true,
    filename,
    open: (range?: ByteRange): Body => {
      if (size === 0) return Buffer.alloc(0)
      if (refs !== 1) throw new Error('file body opened twice')
      refs = -1 // the body owns the descriptor now; release() must not close it
      return new FileBody(fd, range?.start ?? 0, range?.end ?? size - 1)
    },
    parts: async function * (ranges: readonly ByteRange[]): AsyncGenerator<Buffer> {
      refs++
      try {
        yield * readRanges(fd, ranges)
      } finally {
        unref()
      }
    },
    release: () => {
      if (released) return
      released = true
      if (refs > 0) unref()
    }
  }
}

/** Reads byte ranges of a descriptor in order by position. */
async function * readRanges (fd: number, ranges: readonly ByteRange[]): AsyncGenerator<Buffer> {
  for (const range of ranges) {
    let position = range.start
    while (position <= range.end) {
      const length = Math.min(STREAM_CHUNK, range.end - position + 1)
      const buffer = Buffer.allocUnsafe(length)
      const { bytesRead } = await readAsync(fd, buffer, 0, length, position)
      // The file shrank under us: stop rather than pad; the connection is cut short.
      if (bytesRead === 0) throw new Error('file truncated while reading')
      position += bytesRead
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
    if (bytesRead === 0) throw new Error('file truncated while reading')
    offset += bytesRead
  }
  return data
}
