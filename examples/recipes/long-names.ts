// File names up to 255 characters in a route param: Fastify's router cuts params at 100 characters
// (a 414) unless told otherwise; the plugin logs a warning at start-up for routes that would hit it.
import Fastify from 'fastify'
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import downloads, { FileNameSchema } from 'fastify-downloads'

const app = Fastify({ routerOptions: { maxParamLength: 255 } }).withTypeProvider<TypeBoxTypeProvider>()
await app.register(downloads, { root: './files' })

app.get('/files/:name', { schema: { params: Type.Object({ name: FileNameSchema }) } },
  async (req, reply) => reply.download(req.params.name))

await app.listen({ port: 3000 })
