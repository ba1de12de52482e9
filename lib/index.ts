import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { FST_DOWNLOADS_DECORATOR_TAKEN } from './errors.js'
import { pluginSettings, type PluginSettings } from './options.js'
import { sendDownload } from './reply.js'
import { kDownload } from './symbols.js'
import { readableSchemaErrors } from './schemas/messages.js'
import type { DownloadTracker } from './lifecycle/tracker.js'
import type { DownloadMethod, DownloadOptions, DownloadSource, FastifyDownloadsOptions } from './types.js'

/** Names both plugins and the way out: Fastify's own message names neither. */
function decoratorTaken (fastify: FastifyInstance, name: string): string {
  const owner = fastify.hasPlugin('@fastify/static') ? '@fastify/static' : 'another plugin'
  return `reply.${name} is already decorated by ${owner}: register fastify-downloads with ` +
    `{ decorators: { download: 'sendDownload', inline: 'sendInline' } } (any free names) to use both`
}

function trackerOf (request: FastifyRequest): DownloadTracker | undefined {
  return (request as unknown as Record<symbol, DownloadTracker | null>)[kDownload] ?? undefined
}

const plugin: FastifyPluginAsync<FastifyDownloadsOptions> = async (fastify, options) => {
  const settings: PluginSettings = pluginSettings(options)

  const { download, inline } = settings.decorators
  for (const name of [download, inline]) {
    if (fastify.hasReplyDecorator(name)) throw new FST_DOWNLOADS_DECORATOR_TAKEN(decoratorTaken(fastify, name))
  }
  fastify.decorateReply(download, function (this: FastifyReply, source: DownloadSource, filename?: string | DownloadOptions, opts?: DownloadOptions) {
    return sendDownload(this, settings, 'attachment', source, filename, opts)
  } as DownloadMethod)
  fastify.decorateReply(inline, function (this: FastifyReply, source: DownloadSource, filename?: string | DownloadOptions, opts?: DownloadOptions) {
    return sendDownload(this, settings, 'inline', source, filename, opts)
  } as DownloadMethod)

  fastify.decorate('downloadsCache', { getter: () => settings.cache.stats() })
  fastify.addHook('onRoute', readableSchemaErrors)
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

/**
 * The plugin: decorates the reply with `download()` and `inline()`.
 *
 * @example
 * await app.register(downloads, { root: './files' })
 * app.get('/files/:name', (req, reply) => reply.download(req.params.name))
 */
export const fastifyDownloads = fp(plugin, { fastify: '5.x', name: 'fastify-downloads' })
export default fastifyDownloads

export { FileNameSchema, FilePathSchema, type FileName, type FilePath } from './schemas/index.js'
export { errorCodes } from './errors.js'
export { trustedFile, TrustedFile } from './sources/trusted.js'
export { outcomeChannel } from './lifecycle/tracker.js'
export type {
  ByteRange,
  DownloadMethod,
  FileCacheStats,
  OpenOptions,
  OutcomeMessage,
  CleanupFunction,
  DotfilesPolicy,
  DownloadOptions,
  DownloadOutcome,
  DownloadSource,
  FastifyDownloadsOptions,
  RangedBody,
  RangedSource,
  ThrottleOptions
} from './types.js'
