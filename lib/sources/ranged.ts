import type { ByteRange } from '../conditional/range.js'
import type { RangedSource } from '../types.js'
import { normalizeETag } from '../http/etag.js'
import { noop, toHttpTime, type Entity } from '../entity.js'
import { toReadable } from './stream.js'

export function isRangedSource (value: unknown): value is RangedSource {
  return typeof value === 'object' && value !== null &&
    typeof (value as RangedSource).open === 'function' && typeof (value as RangedSource).size === 'number'
}

/** A store that reads any byte range gets the same Range and conditional behaviour as files. */
export function rangedEntity (source: RangedSource): Entity {
  const modified = source.lastModified
  return {
    size: source.size,
    etag: source.etag === undefined ? undefined : normalizeETag(source.etag),
    lastModified: modified === undefined ? undefined : toHttpTime(modified instanceof Date ? modified.getTime() : modified),
    foreign: true,
    rangeable: true,
    filename: 'download',
    open: async (range?: ByteRange) => toReadable(await source.open(range), true),
    release: noop
  }
}
