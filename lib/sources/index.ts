import type { Later } from '../later.js'
import { bufferEntity } from './buffer.js'
import type { Entity } from '../entity.js'
import { pathEntity, trustedEntity } from './file/path.js'
import { isRangedSource, rangedEntity } from './ranged.js'
import { isAsyncIterable, isNodeReadable, isWebStream, streamEntity } from './stream.js'
import { TrustedFile } from './trusted.js'
import type { PluginSettings, ResolvedOptions } from '../options.js'
import { realRoot } from '../path/resolve.js'
import type { DownloadOptions, RangedSource } from '../types.js'

/** What a source kind may read to make its entity: the plugin's settings and this call's options. */
export interface SourceContext {
  settings: PluginSettings
  opts: ResolvedOptions
  /** The call's own `root` option, as given (resolved by the path kind when it needs it). */
  root: DownloadOptions['root']
}

/** One kind of source: how to recognise it, and how to make its entity. */
export interface SourceKind<T = unknown> {
  readonly accepts: (value: unknown) => value is T
  /** deleteAfter applies: its entity names the file it reads. */
  readonly deletable: boolean
  readonly entity: (value: T, ctx: SourceContext) => Later<Entity>
}

const kind = <T>(source: SourceKind<T>): SourceKind => source as unknown as SourceKind

function underRoot (file: string, root: string, { settings, opts }: SourceContext): Later<Entity> {
  return pathEntity(file, { root, dotfiles: settings.dotfiles, cache: settings.cache, syncStat: settings.syncStat, uncached: opts.deleteAfter })
}

/**
 * The source kinds, in the order they are tried: the first that accepts a value makes its entity. A new
 * kind (an object store, an archive member) is one module and one line here.
 */
export const SOURCES: readonly SourceKind[] = [
  kind<TrustedFile>({
    accepts: TrustedFile.is, deletable: true,
    entity: (file, { settings }) => trustedEntity(file.path, settings.syncStat)
  }),
  kind<string>({
    accepts: (v): v is string => typeof v === 'string', deletable: true,
    entity: (file, ctx) => ctx.root === undefined
      ? underRoot(file, ctx.settings.root, ctx)
      : realRoot(ctx.root).then((root) => underRoot(file, root, ctx))
  }),
  // The caller's etag/lastModified options replace the entity's own in reply.ts, for every kind.
  kind<Uint8Array>({
    accepts: (v): v is Uint8Array => v instanceof Uint8Array, deletable: false,
    entity: (data, { opts }) => bufferEntity(data, opts.etag === true)
  }),
  kind<Parameters<typeof streamEntity>[0]>({
    accepts: (v): v is Parameters<typeof streamEntity>[0] => isNodeReadable(v) || isWebStream(v) || isAsyncIterable(v), deletable: false,
    entity: (stream, { opts }) => streamEntity(stream, opts.size)
  }),
  kind<RangedSource>({
    accepts: isRangedSource, deletable: false,
    entity: (source) => rangedEntity(source)
  })
]
