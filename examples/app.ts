import { createHash, randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify, { type FastifyServerOptions } from 'fastify'
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import downloads, { FileNameSchema } from 'fastify-downloads'
import { clientSignal, s3Store, type S3Store } from 'fastify-downloads/s3'

/**
 * The files bundled with the demo. They stay in examples/files, so from the build (dist/examples/app.js)
 * the folder is two levels up, and next to the source (examples/app.ts) otherwise.
 */
export const BUNDLED_FILES: URL = path.basename(path.dirname(path.dirname(fileURLToPath(import.meta.url)))) === 'dist'
  ? new URL('../../examples/files/', import.meta.url)
  : new URL('./files/', import.meta.url)

export interface BuildOptions {
  /** The folder to serve: absolute, relative to the working directory, or a `file:` URL (default: the bundled files). */
  root?: string | URL
  /** Fastify's logger option (default false). */
  logger?: FastifyServerOptions['logger']
  /** Where `/store/:key` and `/store-link/:key` read (default: from S3_* environment variables, else no such routes). */
  store?: S3Store
}

/**
 * The S3-compatible store the environment names: S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY,
 * with S3_ENDPOINT (a path-style endpoint such as MinIO's or Swift's) and S3_REGION (default us-east-1).
 *
 * @example
 * const store = storeFromEnv({ S3_BUCKET: 'reports', S3_ACCESS_KEY_ID: 'key', S3_SECRET_ACCESS_KEY: 'secret' })
 */
export function storeFromEnv (env: NodeJS.ProcessEnv = process.env): S3Store | undefined {
  const { S3_BUCKET: bucket, S3_ACCESS_KEY_ID: accessKeyId, S3_SECRET_ACCESS_KEY: secretAccessKey } = env
  if (bucket === undefined || bucket === '' || accessKeyId === undefined || secretAccessKey === undefined) return undefined
  const endpoint = env.S3_ENDPOINT === '' ? undefined : env.S3_ENDPOINT
  return s3Store({ endpoint, region: env.S3_REGION ?? 'us-east-1', bucket, credentials: { accessKeyId, secretAccessKey }, forcePathStyle: endpoint !== undefined })
}

interface Entry {
  name: string
  size: number
  type: string
}

/** Human names for the kinds of file the demo bundles; anything else shows its extension. */
const KINDS: Record<string, string> = {
  '.pdf': 'PDF document',
  '.png': 'PNG image',
  '.jpg': 'JPEG image',
  '.jpeg': 'JPEG image',
  '.svg': 'SVG image',
  '.txt': 'Text',
  '.csv': 'CSV table',
  '.html': 'HTML page',
  '.json': 'JSON'
}

/**
 * The demo: an index of the files in `root` with Download and View links, a streamed CSV export, a
 * report written to a temp file and deleted once sent, and a health check.
 *
 * @example
 * const app = await build({ root: './my-files' })
 * await app.listen({ port: 3000, host: '127.0.0.1' })
 */
export async function build (opts: BuildOptions = {}) {
  const root = opts.root ?? BUNDLED_FILES
  const app = Fastify({ logger: opts.logger ?? false }).withTypeProvider<TypeBoxTypeProvider>()

  await app.register(downloads, { root })

  // Reports are written here, one file per request, and deleted by the plugin once sent.
  const reports = await mkdtemp(path.join(os.tmpdir(), 'fastify-downloads-demo-'))
  app.addHook('onClose', async () => {
    await rm(reports, { recursive: true, force: true })
  })

  app.get('/', async (req, reply) => {
    const entries = await listFiles(root)
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
      .send(renderIndex(entries, `${req.protocol}://${req.host}`))
  })

  const fileRoute = { schema: { params: Type.Object({ name: FileNameSchema }) } }

  // Saved by the browser: Content-Disposition: attachment, with the name in filename*.
  app.get('/files/:name', fileRoute, (req, reply) => reply.download(req.params.name))

  // Shown in the browser; HTML, SVG and XML get a CSP sandbox so their scripts cannot run.
  app.get('/view/:name', fileRoute, (req, reply) => reply.inline(req.params.name))

  app.get('/export.csv', {
    schema: { querystring: Type.Object({ rows: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }) }) }
  }, (req, reply) => reply.download(exportRows(req.query.rows), 'export.csv', {
    mediaType: 'text/csv; charset=utf-8',
    cacheControl: 'no-store'
  }))

  app.get('/report', async (_req, reply) => {
    const date = new Date().toISOString().slice(0, 10)
    const file = `report-${randomUUID()}.txt`
    await writeFile(path.join(reports, file), await renderReport(root))
    return reply.download(file, `report-${date}.txt`, { root: reports, deleteAfter: true, cacheControl: 'no-store' })
  })

  // An object in the store, proxied (with Range and 304), and a presigned link to it that no byte of ours passes.
  const store = opts.store ?? storeFromEnv()
  if (store !== undefined) {
    const keyRoute = { schema: { params: Type.Object({ key: Type.String({ minLength: 1, maxLength: 1024 }) }) } }
    app.get('/store/:key', keyRoute, async (req, reply) => {
      const object = await store.source(req.params.key, { signal: clientSignal(reply), required: true })
      return reply.download(object)
    })
    app.get('/store-link/:key', keyRoute, async (req, reply) =>
      reply.redirect(await store.presign(req.params.key, { expiresIn: 300, disposition: 'attachment' }), 303))
  }

  app.get('/healthz', {
    schema: { response: { 200: Type.Object({ status: Type.Literal('ok') }) } }
  }, async () => ({ status: 'ok' as const }))

  return app
}

/** The folder `root` names, in any of the forms the plugin accepts. */
function rootPath (root: string | URL): string {
  return root instanceof URL || root.startsWith('file:') ? fileURLToPath(root) : path.resolve(root)
}

/** The regular files directly in `root`, dotfiles left out, sorted by name. */
async function listFiles (root: string | URL): Promise<Entry[]> {
  const dir = rootPath(root)
  const dirents = await readdir(dir, { withFileTypes: true })
  const entries: Entry[] = []
  for (const dirent of dirents) {
    if (!dirent.isFile() || dirent.name.startsWith('.')) continue
    const { size } = await stat(path.join(dir, dirent.name))
    const ext = path.extname(dirent.name).toLowerCase()
    entries.push({ name: dirent.name, size, type: KINDS[ext] ?? (ext === '' ? 'File' : `${ext.slice(1).toUpperCase()} file`) })
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name))
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c)
}

function formatSize (bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

function renderIndex (entries: Entry[], origin: string): string {
  const items = entries.map(({ name, size, type }) => {
    const href = encodeURIComponent(name)
    return `
    <li>
      <span class="name">${escapeHtml(name)}</span>
      <span class="meta">${escapeHtml(type)} · ${formatSize(size)}</span>
      <span class="actions">
        <a class="button" href="/files/${href}" aria-label="Download ${escapeHtml(name)}">Download</a>
        <a class="button secondary" href="/view/${href}" aria-label="View ${escapeHtml(name)}">View</a>
      </span>
    </li>`
  }).join('')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fastify-downloads demo</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
  body { margin: 0 auto; max-width: 46rem; padding: 1rem; line-height: 1.5; }
  h1 { font-size: 1.5rem; margin: 0.5rem 0; }
  ul { list-style: none; padding: 0; margin: 1rem 0; }
  li { display: flex; flex-wrap: wrap; align-items: center; gap: 0.25rem 1rem; padding: 0.75rem 0; border-bottom: 1px solid #8884; }
  .name { flex: 1 1 100%; font-weight: 600; overflow-wrap: anywhere; }
  .meta { flex: 1 1 auto; color: #777; font-size: 0.9rem; }
  .actions { display: flex; gap: 0.5rem; }
  .button { display: inline-block; padding: 0.4rem 0.9rem; border-radius: 0.4rem; background: #2b6cb0; color: #fff; text-decoration: none; }
  .button.secondary { background: transparent; color: inherit; border: 1px solid #8888; }
  code { font-size: 0.9em; }
  footer { color: #777; font-size: 0.9rem; overflow-wrap: anywhere; }
  @media (max-width: 30rem) { .meta { flex-basis: 100%; } }
</style>
</head>
<body>
<h1>fastify-downloads demo</h1>
<p>“Download” saves a file under its own name (even a non-ASCII one); “View” shows it in the browser.
HTML viewed inline is sandboxed: <code>unsafe.html</code> tries to run script and cannot.</p>
<ul>${items}
</ul>
<p><a href="/export.csv">Export a CSV</a> (streamed from an async generator) ·
<a href="/report">Download a report</a> (a temp file, deleted once sent)</p>
${entries.length === 0 ? '' : `<footer>Try resuming: <code>curl -C - -O ${escapeHtml(origin)}/files/${escapeHtml(encodeURIComponent(entries[0]!.name))}</code></footer>`}
</body>
</html>
`
}

const CUSTOMERS = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger W. Dijkstra', 'Barbara Liskov', 'Donald "Don" Knuth', 'Hopper, Grace']

/** One RFC 4180 field: quoted when it holds a comma, quote or line break. */
function csvField (value: string | number): string {
  const text = String(value)
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** A deterministic CSV export, one row at a time: nothing is buffered, however many rows. */
async function * exportRows (rows: number): AsyncGenerator<string> {
  yield 'id,customer,amount,created_at\r\n'
  const start = Date.UTC(2026, 0, 1)
  for (let id = 1; id <= rows; id++) {
    const customer = CUSTOMERS[id % CUSTOMERS.length] ?? ''
    const amount = ((id * 7919) % 100_000 / 100).toFixed(2)
    const createdAt = new Date(start + id * 3_600_000).toISOString()
    yield [id, customer, amount, createdAt].map(csvField).join(',') + '\r\n'
  }
}

async function sha256 (file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk)
  return hash.digest('hex')
}

/** A plain-text report of the served files: name, size and SHA-256. */
async function renderReport (root: string | URL): Promise<string> {
  const dir = rootPath(root)
  const entries = await listFiles(root)
  const lines = [`Files report, ${new Date().toISOString()}`, '']
  for (const { name, size } of entries) {
    lines.push(`${await sha256(path.join(dir, name))}  ${String(size).padStart(10)}  ${name}`)
  }
  lines.push('', `${entries.length} files, ${entries.reduce((sum, e) => sum + e.size, 0)} bytes`, '')
  return lines.join('\n')
}
