import fp from 'fastify-plugin'
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { pluginSettings, type PluginSettings } from './options.js'
import { sendDownload } from './reply.js'
import { kDownload } from './symbols.js'
import type { DownloadTracker } from './lifecycle/tracker.js'
import type { FileCacheStats } from './body/file-cache.js'
import type { DownloadOptions, DownloadSource, FastifyDownloadsOptions } from './types.js'

export interface DownloadMethod {
  /** Sends `source` with the suggested file name `filename`. */
  (source: DownloadSource, filename?: string, options?: DownloadOptions): FastifyReply
  (source: DownloadSource, options: DownloadOptions): FastifyReply
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Size and use of the in-memory cache of small files (bounded by the cache* options). */
    readonly downloadsCache: FileCacheStats
  }
  interface FastifyReply {
    /** Sends a file (a path under the root) or another source as an attachment (`Content-Disposition: attachment`). */
    download: DownloadMethod
    /** Sends a file or another source to be shown in the browser (`Content-Disposition: inline`). */
    inline: DownloadMethod
  }
}

const plugin: FastifyPluginAsync<FastifyDownloadsOptions> = async (fastify, options) => {
  const settings: PluginSettings = pluginSettings(options)

  fastify.decorateReply('download', function (this: FastifyReply, source: DownloadSource, filename?: string | DownloadOptions, opts?: DownloadOptions) {
    return sendDownload(this, settings, 'attachment', source, filename, opts)
  } as DownloadMethod)
  fastify.decorateReply('inline', function (this: FastifyReply, source: DownloadSource, filename?: string | DownloadOptions, opts?: DownloadOptions) {
    return sendDownload(this, settings, 'inline', source, filename, opts)
  } as DownloadMethod)

  fastify.decorate('downloadsCache', { getter: () => settings.cache.stats() })

  // The raw response's `close` ends a download too; onResponse is the ordinary path and costs a
  // property read on other routes.
  fastify.addHook('onResponse', (_request, reply, hookDone) => {
    const tracker = (reply as unknown as Record<symbol, DownloadTracker | undefined>)[kDownload]
    if (tracker !== undefined) tracker.finish()
    hookDone()
  })
}

/** The plugin: `await app.register(downloads, { root })`. */
export const fastifyDownloads = fp(plugin, { fastify: '5.x', name: 'fastify-downloads' })
export default fastifyDownloads

export { FileNameSchema, FilePathSchema, type FileName, type FilePath } from './schemas/index.js'
export { errorCodes } from './errors.js'
export { outcomeChannel, type OutcomeMessage } from './lifecycle/tracker.js'
export type { FileCacheStats } from './body/file-cache.js'
export type {
  ByteRange,
  CleanupFunction,
  DotfilesPolicy,
  DownloadOptions,
  DownloadOutcome,
  DownloadSource,
  FastifyDownloadsOptions,
  RangedSource,
  ThrottleOptions
} from './types.js'
