// A report written to a temp file for this request, sent, then deleted: also when the client leaves early.
import { randomUUID } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import downloads, { trustedFile } from 'fastify-downloads'

const app = Fastify()
await app.register(downloads, { root: './files' })

app.get('/report.csv', async (_req, reply) => {
  const path = join(tmpdir(), `report-${randomUUID()}.csv`)
  await writeFile(path, 'id,total\n1,42\n')
  // trustedFile(): an absolute path the server chose, served outside the root. Never a path from the request.
  return reply.download(trustedFile(path), 'report.csv', { deleteAfter: true })
})

await app.listen({ port: 3000 })
