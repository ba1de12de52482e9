import type { BigIntStats } from 'node:fs'
import type { Entity } from '../../entity.js'
import type { SharedDescriptor } from './descriptor.js'
import type { FileCacheStats } from '../../types.js'

/** What a file was when its bytes were read: any change to it moves one of these. */
export interface FileIdentity {
  dev: bigint
  ino: bigint
  size: bigint
  mtimeNs: bigint
  ctimeNs: bigint
}

export interface CachedFile {
  identity: FileIdentity
  /** The real path, confined to the root when the entry was made. */
  real: string
  /** The bytes of a small file; undefined for a large one, of which only the resolution is kept. */
  data: Buffer | undefined
  etag: string
  lastModified: number
  filename: string
  /** What a small file's entry serves, made once with the entry: it is immutable and holds nothing to free. */
  served?: Entity
  /**
   * A large file's descriptor, open while responses read from it and for a moment after (LINGER_MS): a
   * request meanwhile reads from it instead of opening the file again. Removing the entry retires it.
   */
  file?: SharedDescriptor
  /** FileCache's own bookkeeping: the count of moves to the end of the order when this entry last moved. */
  order?: number
}

export interface FileCacheLimits {
  maxFileSize: number
  maxBytes: number
  maxEntries: number
}


export function identityOf (stats: BigIntStats): FileIdentity {
  return { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeNs: stats.mtimeNs, ctimeNs: stats.ctimeNs }
}

/**
 * Whether a fresh stat shows the very file that was cached, unchanged: same device and inode (not a
 * replacement, rename or re-link), same size, and same nanosecond mtime and ctime (ctime also moves on
 * chmod, link and rename, which mtime does not).
 */
export function sameFile (a: FileIdentity, b: BigIntStats): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs
}

/**
 * Small files kept in memory, and the resolution (real path, validators, a briefly kept descriptor) of
 * large ones, least recently used first out, bounded in bytes and entries. An entry is only ever used
 * after its identity was checked against a fresh stat.
 */
export class FileCache {
  readonly #entries = new Map<string, CachedFile>()
  #moves = 0
  readonly limits: Readonly<FileCacheLimits>
  #bytes = 0
  #hits = 0
  #misses = 0

  constructor (limits: FileCacheLimits) {
    this.limits = Object.freeze({ ...limits })
  }

  get enabled (): boolean {
    return this.limits.maxFileSize > 0 && this.limits.maxBytes > 0 && this.limits.maxEntries > 0
  }

  /** Whether a file of this size may be kept in memory (larger ones keep only their resolution). */
  fits (size: number): boolean {
    return this.enabled && size <= this.limits.maxFileSize && size <= this.limits.maxBytes
  }

  get (key: string): CachedFile | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) {
      this.#misses++
      return undefined
    }
    this.#hits++
    // Least recently used: move it to the end of the insertion order, unless it is in the newer half
    // already (fewer than size/2 moves since its own): then at least half the entries go before it,
    // and a hot set smaller than half the cache is served without touching the order at all. The
    // newest entry (no move since its own) is at the end already: with one to three entries the half
    // test alone would delete and re-insert it on every hit, and V8 shrinks and regrows the Map each time.
    const age = this.#moves - (entry.order ?? 0)
    if (age > 0 && age >= this.#entries.size >> 1) {
      this.#entries.delete(key)
      this.#entries.set(key, entry)
      entry.order = ++this.#moves
    }
    return entry
  }

  set (key: string, entry: CachedFile): void {
    this.delete(key)
    this.#entries.set(key, entry)
    entry.order = ++this.#moves
    this.#bytes += entry.data?.length ?? 0
    for (const [oldKey, old] of this.#entries) {
      if (this.#bytes <= this.limits.maxBytes && this.#entries.size <= this.limits.maxEntries) break
      this.#remove(oldKey, old)
    }
  }

  delete (key: string): void {
    const old = this.#entries.get(key)
    if (old !== undefined) this.#remove(key, old)
  }

  /** Empties the cache; descriptors close as soon as no response reads from them. */
  clear (): void {
    for (const [key, entry] of this.#entries) this.#remove(key, entry)
  }

  #remove (key: string, entry: CachedFile): void {
    this.#entries.delete(key)
    this.#bytes -= entry.data?.length ?? 0
    entry.file?.retire()
  }

  stats (): FileCacheStats {
    return {
      entries: this.#entries.size,
      bytes: this.#bytes,
      hits: this.#hits,
      misses: this.#misses,
      maxBytes: this.limits.maxBytes,
      maxEntries: this.limits.maxEntries,
      maxFileSize: this.limits.maxFileSize
    }
  }
}
