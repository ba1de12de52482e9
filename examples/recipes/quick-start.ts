import Fastify from 'fastify'
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import downloads, { FileNameSchema } from 'fastify-downloads'

const app = Fastify({ routerOptions: { maxParamLength: 255 } }).withTypeProvider<TypeBoxTypeProvider>()
await app.register(downloads, { root: './files' })

app.get('/files/:name', { schema: { params: Type.Object({ name: FileNameSchema }) } },
  (req, reply) => reply.download(req.params.name))
app.get('/view/:name', { schema: { params: Type.Object({ name: FileNameSchema }) } },
  (req, reply) => reply.inline(req.params.name))

await app.listen({ port: 3000 })
