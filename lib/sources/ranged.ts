import type { ByteRange } from '../conditional/range.js'
import { toHttpTime } from '../http/date.js'
import type { OpenOptions, RangedSource } from '../types.js'
import { normalizeETag } from '../http/etag.js'
import { contentCodings, singleMediaType } from '../http/media-type.js'
import { noop, type Entity } from '../entity.js'
import { toReadable } from './stream.js'

export function isRangedSource (value: unknown): value is RangedSource {
  return typeof value === 'object' && value !== null &&
    typeof (value as RangedSource).open === 'function' && typeof (value as RangedSource).size === 'number'
}

/** A store that reads any byte range gets the same Range and conditional behaviour as files. */
export function rangedEntity (source: RangedSource): Entity {
  const modified = source.lastModified
  const reload = source.reload
  return {
    size: source.size,
    etag: source.etag === undefined ? undefined : normalizeETag(source.etag),
    lastModified: modified === undefined ? undefined : toHttpTime(modified instanceof Date ? modified.getTime() : modified),
    mediaType: singleMediaType(source.mediaType),
    contentEncoding: contentCodings(source.contentEncoding),
    foreign: true,
    rangeable: true,
    filename: source.filename ?? 'download',
    open: async (range: ByteRange | undefined, options: OpenOptions) => toReadable(await source.open(range, options), true),
    reload: reload === undefined
      ? undefined
      : async (options: OpenOptions) => {
        const fresh = await reload.call(source, options)
        return fresh === null ? null : rangedEntity(fresh)
      },
    release: noop
  }
}
