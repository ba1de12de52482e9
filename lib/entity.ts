import { Readable } from 'node:stream'
import type { ByteRange } from './conditional/range.js'
import type { Later } from './later.js'
import type { OpenOptions } from './types.js'

/** A body to hand to Fastify: a Buffer is sent in one write, a stream is piped. */
export type Body = Buffer | Readable

/**
 * One selected representation, whatever its source: its metadata for the HTTP decisions, and how to
 * read it. Every source kind (file, buffer, stream, ranged store) is turned into one of these, so the
 * HTTP semantics have one code path.
 */
export interface Entity {
  /**
   * Its bytes come from someone else (a stream, a store) and may fail at once: the first byte is awaited
   * before the headers go out, and the body is held to the length announced for it. A file or a buffer
   * the plugin reads itself, to a length it knows.
   */
  readonly foreign: boolean
  /** The file it reads (its real path; a trusted file's path as given): what deleteAfter removes. */
  readonly file?: string
  /** Length in bytes; undefined for a stream of unknown length. */
  readonly size: number | undefined
  readonly etag: string | undefined
  /** Last modification, in epoch milliseconds rounded down to whole seconds (HTTP-date precision). */
  readonly lastModified: number | undefined
  /** Whether open() can read a byte range. */
  readonly rangeable: boolean
  /** The name to suggest when the caller gives none. */
  readonly filename: string
  /** The media type the source knows (a store's metadata), below the caller's and the file name's. */
  readonly mediaType?: string
  /** The content coding the bytes are in (a store's `gzip` object), for Content-Encoding. */
  readonly contentEncoding?: string
  /** Opens the whole body, or one inclusive range of it; `signal` aborts when the download ends unfinished. */
  open: (range: ByteRange | undefined, options: OpenOptions) => Later<Body>
  /** The current version, after open() found the source changed (FST_DOWNLOADS_FILE_CHANGED); null: gone. */
  reload?: (options: OpenOptions) => Promise<Entity | null>
  /**
   * Reads several ranges in order, for multipart bodies. Optional: without it each range is open()ed
   * in turn.
   */
  parts?: (ranges: readonly ByteRange[]) => AsyncIterable<Uint8Array>
  /** Frees what the entity holds (a file descriptor); called exactly once, after the response. */
  release: () => void
}

export const noop = (): void => {}

/**
 * The body of a HEAD answer. Not `undefined`: Fastify's automatic HEAD route would then overwrite
 * Content-Length with 0; an empty stream keeps the length of the GET.
 */
export function emptyBody (): Readable {
  return new Readable({ read () { this.push(null) } })
}
