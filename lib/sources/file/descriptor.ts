import { close } from 'node:fs'
import { noop } from '../../entity.js'

/**
 * An open descriptor shared by reference count: the entity, each body and each multipart read hold a
 * reference while they use it.
 */
export interface Descriptor {
  readonly fd: number
  ref: () => void
  unref: () => void
}

/** A descriptor that closes as soon as its last reference is dropped. */
export function descriptor (fd: number): Descriptor {
  let refs = 0
  return {
    fd,
    ref: () => { refs++ },
    unref: () => {
      if (--refs === 0) close(fd, noop)
    }
  }
}

// How long a cached file's descriptor outlives its last reader: long enough to carry a burst of requests
// (parallel segments, range seeks, load) from one open to the next, short enough that a deleted file's
// space and the descriptor are back almost at once.
export const LINGER_MS = 100

/** A large file's descriptor kept by a cache entry: reused while it lingers, closed when idle or retired. */
export interface SharedDescriptor extends Descriptor {
  /** The entry is gone: close as soon as no reader is left (at once if none). */
  retire: () => void
}

/**
 * A descriptor that stays open LINGER_MS after its last reader, so the next request to the same file
 * skips open, fstat and close (its caller still checks the path's identity against it first).
 * `onClose` runs before the descriptor closes, so the entry stops handing it out.
 */
export function sharedDescriptor (fd: number, onClose: () => void): SharedDescriptor {
  let refs = 0
  let retired = false
  let closed = false
  let lastUse = 0
  let timer: NodeJS.Timeout | undefined
  const shut = (): void => {
    if (closed) return
    closed = true
    if (timer !== undefined) clearTimeout(timer)
    onClose()
    close(fd, noop)
  }
  // One timer per idle period, not per request: it re-arms itself for whatever is left of the linger.
  const check = (): void => {
    timer = undefined
    if (refs > 0) return
    const idle = performance.now() - lastUse
    if (idle >= LINGER_MS) shut()
    else timer = setTimeout(check, LINGER_MS - idle).unref()
  }
  return {
    fd,
    ref: () => { refs++ },
    unref: () => {
      if (--refs !== 0) return
      if (retired) return shut()
      lastUse = performance.now()
      timer ??= setTimeout(check, LINGER_MS).unref()
    },
    retire: () => {
      retired = true
      if (refs === 0) shut()
    }
  }
}
