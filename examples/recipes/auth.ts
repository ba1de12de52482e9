// A download behind an auth hook. Cache-Control is `private, no-cache` by default, so no shared cache
// (a CDN, a proxy) stores what one user was allowed to see; the browser revalidates and gets 304s.
import Fastify from 'fastify'
import downloads from 'fastify-downloads'

const app = Fastify()
await app.register(downloads, { root: './invoices' })

app.register(async (scope) => {
  scope.addHook('onRequest', async (req, reply) => {
    if (req.headers.authorization !== `Bearer ${process.env.TOKEN}`) return reply.code(401).send({ error: 'Unauthorized' })
  })
  scope.get<{ Params: { id: string } }>('/invoices/:id', (req, reply) =>
    reply.download(`${req.params.id.replace(/\D/g, '')}.pdf`, `Invoice ${req.params.id}.pdf`))
})

await app.listen({ port: 3000 })
