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
  for (const [label, setting] of Object.entries(settings)) {
    t.test(`the Quick start type-checks: ${label}, skipLibCheck false`, async (t) => {
      const dir = files(label.replace(/\W+/g, '-'), {
        'package.json': JSON.stringify({ type: setting.type }),
        'tsconfig.json': JSON.stringify({ compilerOptions: { ...strict, ...setting.compilerOptions }, files: ['app.ts'] }),
        'app.ts': setting.code
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
  t.test('the tarball ships the builds and no tests', async (t) => {
    const { stdout } = await exec(npm, ['pack', '--ignore-scripts', '--dry-run', '--json'], { cwd: repo })
    const paths = (JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path)
    for (const path of ['dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/package.json']) t.ok(paths.includes(path), path)
    t.notOk(paths.some((p) => p.startsWith('test/') || p.startsWith('dist/examples/') || p.startsWith('benchmarks/')), 'no tests, demo or benchmarks')
  })
}
