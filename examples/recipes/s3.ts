// An object in S3 (or any S3-compatible store) as a ranged source, with @aws-sdk/client-s3: HEAD gives
// size and validators; each GET asks for exactly the range the plugin planned, and only if the object is
// still the version the HEAD saw (If-Match), so two versions are never spliced into one response.
import { GetObjectCommand, HeadObjectCommand, NotFound, S3Client } from '@aws-sdk/client-s3'
import Fastify from 'fastify'
import downloads, { type RangedSource } from 'fastify-downloads'

const s3 = new S3Client({ region: 'us-east-1' })
const Bucket = 'reports'

async function s3Object (Key: string): Promise<RangedSource | null> {
  const head = await s3.send(new HeadObjectCommand({ Bucket, Key })).catch((err: unknown) => {
    if (err instanceof NotFound) return null
    throw err
  })
  if (head === null) return null
  return {
    size: head.ContentLength!,
    etag: head.ETag,
    lastModified: head.LastModified,
    open: async (range) => {
      const object = await s3.send(new GetObjectCommand({
        Bucket, Key, IfMatch: head.ETag, Range: range && `bytes=${range.start}-${range.end}`
      }))
      return object.Body!.transformToWebStream()
    }
  }
}

const app = Fastify()
await app.register(downloads, { root: './files' })

app.get<{ Params: { key: string } }>('/reports/:key', async (req, reply) => {
  const object = await s3Object(req.params.key)
  if (object === null) return reply.callNotFound()
  return reply.download(object, req.params.key)
})

await app.listen({ port: 3000 })
