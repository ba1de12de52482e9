// The demo's own routes over a real socket, with Node's fetch (undici) as the client.
import { readdir, readFile } from 'node:fs/promises'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { build, BUNDLED_FILES } from '../../examples/app.js'
import { dispositionNames, serve } from '../helpers/clients.js'

const NON_ASCII = 'Résumé – 2026 ✓.pdf'
const BUNDLED = [NON_ASCII, 'chart.png', 'guide.pdf', 'notes.txt', 'unsafe.html']

const { origin } = await serve(t, await build())

/** The status of GET `target`, sent exactly as written (a URL string would be normalised first). */
function statusOf (target: string): Promise<number | undefined> {
  const { hostname, port } = new URL(origin)
  return new Promise((resolve, reject) => {
    http.get({ hostname, port, path: target }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
    }).on('error', reject)
  })
}

t.test('the bundled files are the ones the index expects', async (t) => {
  t.same((await readdir(BUNDLED_FILES)).sort(), [...BUNDLED].sort())
})

t.test('GET / lists each file with sizes, types and encoded links', async (t) => {
  const res = await fetch(`${origin}/`)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /^text\/html; charset=utf-8/)
  const html = await res.text()
  t.match(html, '<meta name="viewport" content="width=device-width, initial-scale=1">')
  for (const name of BUNDLED) {
    t.match(html, `href="/files/${encodeURIComponent(name)}"`)
    t.match(html, `href="/view/${encodeURIComponent(name)}"`)
  }
  t.match(html, /PDF document · \d+ B/)
  t.match(html, /PNG image · \d+ B/)
})

t.test('GET /files/:name and /view/:name', async (t) => {
  const download = await fetch(`${origin}/files/${encodeURIComponent(NON_ASCII)}`)
  t.equal(download.status, 200)
  t.equal(download.headers.get('content-type'), 'application/pdf')
  const disposition = download.headers.get('content-disposition') ?? ''
  t.match(disposition, /^attachment;/)
  t.equal(dispositionNames(disposition).filenameStar, NON_ASCII)
  t.same(Buffer.from(await download.arrayBuffer()), await readFile(new URL(NON_ASCII, BUNDLED_FILES)))

  const view = await fetch(`${origin}/view/unsafe.html`)
  t.equal(view.status, 200)
  t.match(view.headers.get('content-disposition'), /^inline/)
  t.match(view.headers.get('content-security-policy'), /\bsandbox\b/)
  await view.arrayBuffer()

  // Sent as written: fetch would resolve `%2E%2E` away before sending it.
  for (const bad of ['..%2Fpackage.json', '%2E%2E', 'a%00b', '%2E%2E%5Cpackage.json']) {
    t.equal(await statusOf(`/files/${bad}`), 400, `${bad} is refused by FileNameSchema`)
  }
  const missing = await fetch(`${origin}/files/nope.pdf`)
  t.equal(missing.status, 404)
  await missing.arrayBuffer()
})

t.test('GET /export.csv streams the generated rows', async (t) => {
  const res = await fetch(`${origin}/export.csv?rows=5`)
  t.equal(res.status, 200)
  t.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8')
  t.equal(dispositionNames(res.headers.get('content-disposition') ?? '').filename, 'export.csv')
  const lines = (await res.text()).split('\r\n')
  t.equal(lines[0], 'id,customer,amount,created_at')
  t.equal(lines.length, 7, 'header, 5 rows, and the empty string after the last CRLF')
  t.equal(lines[5], '5,"Donald ""Don"" Knuth",395.95,2026-01-01T05:00:00.000Z', 'quotes are escaped')
  t.equal(lines[6], '')

  const many = await fetch(`${origin}/export.csv`)
  t.equal((await many.text()).split('\r\n').length, 1002, '1000 rows by default')

  const bad = await fetch(`${origin}/export.csv?rows=0`)
  t.equal(bad.status, 400)
  await bad.arrayBuffer()
})

t.test('GET /report sends a temp file, then deletes it', async (t) => {
  const reports = async (): Promise<string[]> => {
    const dirs = (await readdir(os.tmpdir())).filter((d) => d.startsWith('fastify-downloads-demo-'))
    const files = await Promise.all(dirs.map((d) => readdir(path.join(os.tmpdir(), d)).catch(() => [])))
    return files.flat()
  }
  const before = await reports()
  const res = await fetch(`${origin}/report`)
  t.equal(res.status, 200)
  t.match(dispositionNames(res.headers.get('content-disposition') ?? '').filename, /^report-\d{4}-\d{2}-\d{2}\.txt$/)
  t.equal(res.headers.get('cache-control'), 'no-store')
  const text = await res.text()
  t.match(text, /^Files report, /)
  t.match(text, /^[0-9a-f]{64} +\d+ +guide\.pdf$/m)
  t.match(text, '5 files')

  // deleteAfter removes the file once the response is finished.
  for (let i = 0; i < 50 && (await reports()).some((f) => !before.includes(f)); i++) await sleep(20)
  t.same((await reports()).filter((f) => !before.includes(f)), [], 'the temp file is gone')
})

t.test('GET /healthz', async (t) => {
  const res = await fetch(`${origin}/healthz`)
  t.equal(res.status, 200)
  t.same(await res.json(), { status: 'ok' })
})

t.test('the bundled PDFs carry their titles as PDF text strings (UTF-16BE), not WinAnsi bytes', async (t) => {
  const titles: Record<string, string> = { [NON_ASCII]: 'Résumé – 2026', 'guide.pdf': 'fastify-downloads' }
  for (const [name, title] of Object.entries(titles)) {
    const bytes = (await readFile(new URL(name, BUNDLED_FILES))).toString('latin1')
    const hex = /\/Title <FEFF([0-9A-F]*)>/.exec(bytes)?.[1]
    t.ok(hex !== undefined, `${name}: the title is a UTF-16BE string with its byte order mark`)
    t.equal(Buffer.from(hex ?? '', 'hex').swap16().toString('utf16le'), title, name)
  }
})

t.test('ROOT=folder npm start serves that folder', async (t) => {
  const { spawn } = await import('node:child_process')
  const { mkdtemp, rm, writeFile } = await import('node:fs/promises')
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fdl-demo-root-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(path.join(dir, 'mine.txt'), 'my own file')
  const server = new URL('../../dist/examples/server.js', import.meta.url)
  const child = spawn(process.execPath, [server.pathname], { env: { ...process.env, ROOT: dir, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { child.kill() })
  // The logger's "Server listening at" line names the port it got.
  const address = await new Promise<string>((resolve, reject) => {
    let seen = ''
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString()
      const found = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(seen)
      if (found !== null) resolve(found[1]!)
    })
    child.once('exit', (code) => reject(new Error(`the demo exited (${code}): ${seen}`)))
  })
  const index = await (await fetch(`${address}/`)).text()
  t.match(index, 'href="/files/mine.txt"')
  t.notMatch(index, 'href="/files/guide.pdf"', 'not the bundled files')
  t.equal(await (await fetch(`${address}/files/mine.txt`)).text(), 'my own file')
})

t.test('npm start does not rebuild a build that is current', async (t) => {
  const { execFile } = await import('node:child_process')
  const { promisify } = await import('node:util')
  const { stat } = await import('node:fs/promises')
  const repo = new URL('../../', import.meta.url)
  const pkg = JSON.parse(await readFile(new URL('package.json', repo), 'utf8')) as { scripts: { start: string } }
  const [build, run] = pkg.scripts.start.split(' && ')
  t.equal(run, 'node dist/examples/server.js', 'start builds, then runs the demo')
  t.match(build, /^tsc -p tsconfig\.build\.json$/, 'the build step is the incremental compile, not a clean build')
  const outputs = ['dist/examples/server.js', 'dist/examples/app.js', 'dist/lib/index.js'].map((p) => new URL(p, repo))
  const before = await Promise.all(outputs.map(async (p) => (await stat(p)).mtimeMs))
  const [command, ...args] = build!.split(' ')
  await promisify(execFile)(path.join(repo.pathname, 'node_modules', '.bin', command!), args, { cwd: repo.pathname })
  t.same(await Promise.all(outputs.map(async (p) => (await stat(p)).mtimeMs)), before, 'nothing was written again')
})
