// A CSV generated row by row: streamed with chunked encoding, flat memory for any number of rows.
import Fastify from 'fastify'
import downloads from 'fastify-downloads'

const app = Fastify()
await app.register(downloads, { root: './files' })

async function * rows (): AsyncGenerator<string> {
  yield 'id,name\n'
  for (let id = 1; id <= 100_000; id++) yield `${id},user ${id}\n`
}

app.get('/users.csv', (_req, reply) => reply.download(rows(), 'users.csv', { mediaType: 'text/csv' }))

await app.listen({ port: 3000 })
