/** Per-request download state (the tracker), behind a symbol so it cannot clash with other decorators. */
export const kDownload = Symbol('fastify-downloads.download')
