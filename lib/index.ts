import fp from 'fastify-plugin'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
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

function trackerOf (request: FastifyRequest): DownloadTracker | undefined {
  return (request as unknown as Record<symbol, DownloadTracker | null>)[kDownload] ?? undefined
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
  // Closes the descriptors cached files keep open for a moment (each once no response reads from it).
  fastify.addHook('onClose', (_instance, hookDone) => {
    settings.cache.clear()
    hookDone()
  })
  // Declared up front so every request object keeps one shape (V8 hidden class) whether or not it downloads.
  fastify.decorateRequest(kDownload, null)

  // onResponse is the ordinary end and costs a property read on other routes. A client gone early is
  // seen by the tracker's listener on the raw response's `close`, so there is no onRequestAbort hook:
  // Fastify would add a `close` listener to every request of the app for it.
  fastify.addHook('onResponse', (request, _reply, hookDone) => {
    trackerOf(request)?.finish()
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
