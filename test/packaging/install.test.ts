// The package as users get it: packed from a fresh clone (prepare builds it), installed into a scratch app, imported from ESM and CommonJS, and
// its Quick start type-checked under nodenext (ESM and CommonJS) and bundler resolution with skipLibCheck off.
import t from 'tap'
import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'

const exec = promisify(execFile)
// Packing (with its build), an npm install and four compiles: more than tap's default file timeout on a busy machine.
t.setTimeout(600_000)
const repo = fileURLToPath(new URL('../../', import.meta.url))
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const tsc = join(repo, 'node_modules', '.bin', 'tsc')
const version = (name: string): string => (JSON.parse(readFileSync(join(repo, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version

{
  const scratch = mkdtempSync(join(tmpdir(), 'fdl-install-'))
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }))

  t.before(async () => {
    // What a fresh clone holds: the tracked files as they are now, no dist/. `npm pack` must build it (prepare).
    const clone = join(scratch, 'clone')
    const { stdout: tracked } = await exec('git', ['ls-files', '-z'], { cwd: repo, maxBuffer: 16 * 1024 * 1024 })
    for (const file of tracked.split('\0').filter((f) => f !== '' && existsSync(join(repo, f)))) {
      mkdirSync(dirname(join(clone, file)), { recursive: true })
      copyFileSync(join(repo, file), join(clone, file))
    }
    symlinkSync(join(repo, 'node_modules'), join(clone, 'node_modules'))
    const { stdout } = await exec(npm, ['pack', '--json', '--pack-destination', scratch], { cwd: clone, maxBuffer: 16 * 1024 * 1024 })
    const tarball = join(scratch, (JSON.parse(stdout) as Array<{ filename: string }>)[0]!.filename)
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true }))
    const deps = ['fastify', '@sinclair/typebox', '@fastify/type-provider-typebox', '@types/node'].map((name) => `${name}@${version(name)}`)
    await exec(npm, ['install', tarball, ...deps, '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'], { cwd: scratch, timeout: 300_000 })
  })

  const files = (dir: string, entries: Record<string, string>): string => {
    const at = join(scratch, dir)
    mkdirSync(at, { recursive: true })
    for (const [name, text] of Object.entries(entries)) writeFileSync(join(at, name), text)
    return at
  }

  // The README's Quick start, as an ESM module (top-level await) and as a CommonJS one (no top-level await).
  const quickStart = readFileSync(join(repo, 'examples', 'recipes', 'quick-start.ts'), 'utf8')
  const commonJs = `async function main (): Promise<void> {\n${quickStart.replace(/^import .*$/gm, '')}\n}\nvoid main\n`
  const imports = quickStart.split('\n').filter((line) => line.startsWith('import ')).join('\n')
  const strict = { strict: true, noEmit: true, skipLibCheck: false, types: ['node'], target: 'ES2022', esModuleInterop: true }

  const settings: Record<string, { type: string, compilerOptions: Record<string, unknown>, code: string }> = {
    'ESM, module nodenext': { type: 'module', compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' }, code: quickStart },
    'CommonJS, module nodenext': { type: 'commonjs', compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' }, code: imports + '\n' + commonJs },
    'CommonJS, module commonjs': { type: 'commonjs', compilerOptions: { module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '6.0' }, code: imports + '\n' + commonJs },
    'bundler resolution, module preserve': { type: 'module', compilerOptions: { module: 'preserve', moduleResolution: 'bundler' }, code: quickStart }
  }
  // fastify-downloads/s3 beside it: its own declarations resolve under each setting too.
  const s3Types = `import { clientSignal, s3Store, type S3Object } from 'fastify-downloads/s3'
const store = s3Store({ region: 'us-east-1', bucket: 'b', credentials: { accessKeyId: 'k', secretAccessKey: 's' } })
export const pending: Promise<S3Object | null> = store.source('k')
export const signal: typeof clientSignal = clientSignal
`
  for (const [label, setting] of Object.entries(settings)) {
    t.test(`the Quick start and fastify-downloads/s3 type-check: ${label}, skipLibCheck false`, async (t) => {
      const dir = files(label.replace(/\W+/g, '-'), {
        'package.json': JSON.stringify({ type: setting.type }),
        'tsconfig.json': JSON.stringify({ compilerOptions: { ...strict, ...setting.compilerOptions }, files: ['app.ts', 's3.ts'] }),
        'app.ts': setting.code,
        's3.ts': s3Types
      })
      const result = await exec(tsc, ['-p', dir]).then(() => '', (err: { stdout: string }) => err.stdout)
      t.equal(result, '', 'no type errors')
    })
  }

  const run = `
    const app = Fastify()
    await app.register(downloads, { root: process.argv[2] })
    app.get('/files/:name', (req, reply) => reply.download(req.params.name))
    const res = await app.inject('/files/notes.txt')
    console.log(JSON.stringify({ status: res.statusCode, disposition: res.headers['content-disposition'], schema: typeof FileNameSchema.pattern }))
    await app.close()`
  const files2 = join(repo, 'examples', 'files')
  t.test('import from an ES module', async (t) => {
    const dir = files('run-esm', { 'package.json': JSON.stringify({ type: 'module' }), 'run.js': `import Fastify from 'fastify'\nimport downloads, { FileNameSchema } from 'fastify-downloads'\n${run}\n` })
    const { stdout } = await exec(process.execPath, [join(dir, 'run.js'), files2])
    t.same(JSON.parse(stdout), { status: 200, disposition: 'attachment; filename="notes.txt"', schema: 'string' })
  })
  t.test('require from CommonJS', async (t) => {
    const dir = files('run-cjs', { 'package.json': JSON.stringify({ type: 'commonjs' }), 'run.js': `const Fastify = require('fastify')\nconst { default: downloads, FileNameSchema } = require('fastify-downloads')\n;(async () => {${run}\n})()\n` })
    const { stdout } = await exec(process.execPath, [join(dir, 'run.js'), files2])
    t.same(JSON.parse(stdout), { status: 200, disposition: 'attachment; filename="notes.txt"', schema: 'string' })
  })
  // The S3 subpath: it loads without the optional @aws-sdk peers, and presign() needs no request.
  const presign = `
    const store = s3Store({ region: 'us-east-1', bucket: 'b', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } })
    const url = new URL(await store.presign('a b/r\u00e9.pdf', { filename: 'R\u00e9sum\u00e9.pdf' }))
    console.log(JSON.stringify({ host: url.host, path: url.pathname, expires: url.searchParams.get('X-Amz-Expires'), signed: /^[0-9a-f]{64}$/.test(url.searchParams.get('X-Amz-Signature') ?? ''), disposition: url.searchParams.get('response-content-disposition'), sdk: (() => { try { require.resolve('@aws-sdk/client-s3'); return true } catch { return false } })() }))`
  const presigned = {
    host: 'b.s3.us-east-1.amazonaws.com',
    path: '/a%20b/r%C3%A9.pdf',
    expires: '300',
    signed: true,
    disposition: `attachment; filename="Resume.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf`,
    sdk: false
  }
  t.test('fastify-downloads/s3 from an ES module, without the @aws-sdk peers', async (t) => {
    const dir = files('run-s3-esm', { 'package.json': JSON.stringify({ type: 'module' }), 'run.js': `import { createRequire } from 'node:module'\nimport { s3Store } from 'fastify-downloads/s3'\nconst require = createRequire(import.meta.url)\n${presign}\n` })
    const { stdout } = await exec(process.execPath, [join(dir, 'run.js')])
    t.same(JSON.parse(stdout), presigned)
  })
  t.test('fastify-downloads/s3 from CommonJS', async (t) => {
    const dir = files('run-s3-cjs', { 'package.json': JSON.stringify({ type: 'commonjs' }), 'run.js': `const { s3Store } = require('fastify-downloads/s3')\n;(async () => {${presign}\n})()\n` })
    const { stdout } = await exec(process.execPath, [join(dir, 'run.js')])
    t.same(JSON.parse(stdout), presigned)
  })
  t.test('the tarball ships the builds and no tests', async (t) => {
    const { stdout } = await exec(npm, ['pack', '--ignore-scripts', '--dry-run', '--json'], { cwd: repo })
    const paths = (JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path)
    for (const path of ['dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/package.json', 'dist/lib/s3/index.js', 'dist/lib/s3/index.d.ts', 'dist/cjs/s3/index.js', 'dist/cjs/s3/index.d.ts']) t.ok(paths.includes(path), path)
    t.notOk(paths.some((p) => p.startsWith('test/') || p.startsWith('dist/examples/') || p.startsWith('benchmarks/')), 'no tests, demo or benchmarks')
  })
}
