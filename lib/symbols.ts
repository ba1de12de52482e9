/** Per-reply download state, behind a symbol so it cannot clash with other decorators. */
export const kDownload = Symbol('fastify-downloads.download')
/** The frozen plugin settings, on the Fastify instance the plugin was registered in. */
export const kSettings = Symbol('fastify-downloads.settings')
