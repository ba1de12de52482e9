// Confinement under a race: a folder inside the root swapped for a symlink to an outside folder never serves the outside file.
import t, { type Test } from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyDownloadsOptions } from '../../lib/index.js'
import { startApp } from '../helpers/app.js'

const RUN_MS = 2500
const CLIENTS = 4

// Runs in a child process, so the swaps interleave with the server's thread-pool fs calls.
// Bounded by time and by count; killed by the test at the end anyway.
const SWAPPER = `
const fs = require('node:fs')
const [up, away, target] = process.argv.slice(1)
const deadline = Date.now() + 15000
let swaps = 0
process.stdout.write('ready\\n')
while (Date.now() < deadline && swaps < 5e6) {
  try {
    fs.renameSync(up, away)
    fs.symlinkSync(target, up)
    fs.unlinkSync(up)
    fs.renameSync(away, up)
    swaps++
  } catch {}
  // The real folder stays a moment (0-50 µs), so some requests find it whole.
  const until = process.hrtime.bigint() + BigInt(Math.floor(Math.random() * 50000))
  while (process.hrtime.bigint() < until) {}
}
`

interface Seen {
  status: number
  type: string | undefined
  body: Buffer
  error?: Error
}

/** One GET on a fresh connection; keeps whatever body arrived, also when the connection fails. */
function get (base: string, path: string): Promise<Seen> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let status = 0
    let type: string | undefined
    const done = (error?: Error): void => resolve({ status, type, body: Buffer.concat(chunks), error })
    const req = httpRequest(base + path, { agent: false }, (res) => {
      status = res.statusCode!
      type = res.headers['content-type']
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => done())
      res.on('error', done)
    })
    req.setTimeout(5000, () => req.destroy(new Error('client timeout')))
    req.on('error', done)
    req.end()
  })
}

function fixture (size: number): { dir: string, root: string, inside: Buffer, outside: Buffer, remove: () => void } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'fdl-race-')))
  const root = join(dir, 'files')
  mkdirSync(join(root, 'up'), { recursive: true })
  mkdirSync(join(dir, 'outside', 'up'), { recursive: true })
  const inside = Buffer.alloc(size, 'i')
  inside.write('INSIDE')
  const outside = Buffer.alloc(size, 'o')
  outside.write('OUTSIDE SECRET')
  writeFileSync(join(root, 'up', 'f.txt'), inside)
  writeFileSync(join(dir, 'outside', 'up', 'f.txt'), outside)
  return { dir, root, inside, outside, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

async function startSwapper (root: string, dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', SWAPPER, join(root, 'up'), join(root, 'up.away'), join(dir, 'outside', 'up')], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  await once(child.stdout!, 'data')
  return child
}

async function race (t: Test, size: number, options: Partial<FastifyDownloadsOptions>): Promise<void> {
  const fx = fixture(size)
  t.teardown(fx.remove)
  const { app, base } = await startApp(fx.root, options)
  t.teardown(() => app.close())
  const swapper = await startSwapper(fx.root, fx.dir)
  const stopSwapper = async (): Promise<void> => {
    if (swapper.exitCode !== null || swapper.signalCode !== null) return
    const exited = once(swapper, 'exit')
    swapper.kill('SIGKILL')
    await exited
  }
  t.teardown(stopSwapper)

  let leaked = 0
  let inside = 0
  let wrong = 0
  let errors = 0
  const bad: string[] = []
  const deadline = Date.now() + RUN_MS
  const client = async (): Promise<void> => {
    for (let i = 0; i < 100_000 && Date.now() < deadline; i++) {
      const seen = await get(base, '/files/up/f.txt')
      if (seen.body.includes('OUTSIDE')) leaked++
      if (seen.error !== undefined) {
        errors++
        if (bad.length < 5) bad.push(`connection error ${seen.error.message} after ${seen.body.length} bytes`)
      } else if (seen.status === 200) {
        if (seen.body.equals(fx.inside)) inside++
        else if (!seen.body.includes('OUTSIDE')) wrong++
      } else {
        let json: { statusCode?: unknown, error?: unknown, message?: unknown } = {}
        try { json = JSON.parse(seen.body.toString()) } catch {}
        const ok = (seen.status === 403 || seen.status === 404) && /^application\/json/.test(seen.type ?? '') &&
          json.statusCode === seen.status && typeof json.error === 'string' && typeof json.message === 'string'
        if (!ok && bad.length < 5) bad.push(`${seen.status} ${seen.type} ${seen.body.toString().slice(0, 200)}`)
        if (!ok) wrong++
      }
    }
  }
  await Promise.all(Array.from({ length: CLIENTS }, client))
  await stopSwapper()

  t.equal(leaked, 0, 'no response carried the outside file')
  t.ok(inside > 0, `some 200s served the inside file (${inside})`)
  t.equal(wrong, 0, 'every other answer is a 403 or 404 in the JSON error format')
  t.equal(errors, 0, 'no connection was cut')
  if (bad.length > 0) t.comment(bad.join('\n'))
}

t.test('small file, default cache', (t) => race(t, 64, {}))
t.test('small file, cache disabled', (t) => race(t, 64, { cacheMaxFileSize: 0 }))
t.test('large file (2 MiB, above the cache limit), default cache', (t) => race(t, 2 * 1024 * 1024, {}))
t.test('large file (2 MiB), cache disabled', (t) => race(t, 2 * 1024 * 1024, { cacheMaxFileSize: 0 }))
