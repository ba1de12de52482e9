import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Test } from 'tap'
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, utimesSync, rmSync, realpathSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import downloads, { type FastifyDownloadsOptions } from '../../lib/index.js'

export interface Fixture {
  /** A temp folder holding `files/` (the root), `files2/` (a sibling) and `outside.txt`. */
  dir: string
  root: string
  /** 26 bytes: a-z. */
  alphabet: Buffer
  /** 100 KiB of varied bytes. */
  big: Buffer
  oldDate: Date
  remove: () => void
}

/** Builds the files every test reads; mtimes are set well in the past so Last-Modified is strong. */
export function makeFixture (): Fixture {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'fdl-test-')))
  const root = join(dir, 'files')
  mkdirSync(join(root, 'sub', 'deeper'), { recursive: true })
  mkdirSync(join(root, '.hidden'))
  mkdirSync(join(dir, 'files2'))
  const alphabet = Buffer.from('abcdefghijklmnopqrstuvwxyz')
  const big = Buffer.alloc(100 * 1024)
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 8)) & 0xff
  writeFileSync(join(root, 'alphabet.txt'), alphabet)
  writeFileSync(join(root, 'big.bin'), big)
  writeFileSync(join(root, 'page.html'), '<!doctype html><script>document.title="pwned"</script>')
  writeFileSync(join(root, 'image.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  writeFileSync(join(root, 'report.pdf'), '%PDF-1.4\n%%EOF\n')
  writeFileSync(join(root, 'Résumé – 2026 ✓.pdf'), '%PDF-1.4 resume\n')
  writeFileSync(join(root, 'empty.txt'), '')
  writeFileSync(join(root, 'sub', 'deeper', 'nested.txt'), 'nested')
  writeFileSync(join(root, '.env'), 'SECRET=1')
  writeFileSync(join(root, '.hidden', 'inside.txt'), 'hidden')
  writeFileSync(join(root, 'noext'), 'no extension')
  writeFileSync(join(dir, 'outside.txt'), 'OUTSIDE SECRET')
  writeFileSync(join(dir, 'files2', 'sibling.txt'), 'SIBLING SECRET')
  symlinkSync(join(dir, 'outside.txt'), join(root, 'link-out.txt'))
  symlinkSync(join(dir, 'files2'), join(root, 'link-dir-out'))
  symlinkSync('alphabet.txt', join(root, 'link-in.txt'))
  symlinkSync('.env', join(root, 'link-to-dotfile'))
  const oldDate = new Date('2024-01-02T03:04:05Z')
  for (const name of ['alphabet.txt', 'big.bin', 'report.pdf', 'empty.txt']) utimesSync(join(root, name), oldDate, oldDate)
  return { dir, root, alphabet, big, oldDate, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * An app with the plugin and the routes the tests use, listening on a random loopback port.
 * `/files/*` and `/view/*` take any path (to exercise the resolver); `/named/:name` is schema-checked.
 */
export async function startApp (
  root: string, options: Partial<FastifyDownloadsOptions> = {}, serverOptions: FastifyServerOptions = {},
  routes?: (app: FastifyInstance) => void
): Promise<{ app: FastifyInstance, base: string }> {
  const app = Fastify(serverOptions)
  await app.register(downloads, { root, ...options })
  app.get('/files/*', (req, reply) => reply.download((req.params as Record<string, string>)['*']!))
  app.get('/view/*', (req, reply) => reply.inline((req.params as Record<string, string>)['*']!))
  routes?.(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no address')
  return { app, base: `http://127.0.0.1:${address.port}` }
}

/**
 * An app with the plugin, `routes` and GET /ok (answering `ok`: the server still serves after a bad
 * download), on a loopback port, closed when the test ends. Returns its base URL.
 */
export async function appWith (t: Test, root: string, routes: (app: FastifyInstance) => void, ok = 'still serving'): Promise<string> {
  const { app, base } = await startApp(root, {}, {}, (app) => {
    app.get('/ok', async () => ok)
    routes(app)
  })
  t.teardown(() => app.close())
  return base
}
