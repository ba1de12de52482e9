// With @fastify/static, which decorates reply.download too: rename this plugin's decorators (either
// registration order works) and keep reply.sendFile and static's own reply.download.
import Fastify from 'fastify'
import fastifyStatic from '@fastify/static'
import downloads, { type DownloadMethod } from 'fastify-downloads'

declare module 'fastify' {
  interface FastifyReply {
    sendDownload: DownloadMethod
    sendInline: DownloadMethod
  }
}

const app = Fastify()
await app.register(fastifyStatic, { root: new URL('./public/', import.meta.url), prefix: '/public/' })
await app.register(downloads, { root: './files', decorators: { download: 'sendDownload', inline: 'sendInline' } })

app.get<{ Params: { name: string } }>('/files/:name', (req, reply) => reply.sendDownload(req.params.name))
app.get('/', (_req, reply) => reply.sendFile('index.html'))

await app.listen({ port: 3000 })
