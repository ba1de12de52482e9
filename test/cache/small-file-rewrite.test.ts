// A small (cached) file rewritten while it is read: each answer is the file as it was at one instant, or a coded 503 to retry; never a 500 or torn bytes.
import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startApp } from '../helpers/app.js'
import { request } from '../helpers/http.js'

const SIZE = 256 * 1024
const RUN_MS = 2000

// Rewrites the file in place (truncate, then write in two halves) as fast as it can: readers meet every torn state.
const WRITER = `
const fs = require('node:fs')
const [path, size] = [process.argv[1], Number(process.argv[2])]
const versions = [Buffer.alloc(size, 0x61), Buffer.alloc(size, 0x62)]
const deadline = Date.now() + 15000
process.stdout.write('ready\\n')
for (let i = 0; Date.now() < deadline && i < 1e6; i++) {
  const fd = fs.openSync(path, 'r+')
  fs.ftruncateSync(fd, 0)
  fs.writeSync(fd, versions[i & 1], 0, size / 2, 0)
  fs.writeSync(fd, versions[i & 1], size / 2, size / 2, size / 2)
  fs.closeSync(fd)
}
`

t.test('every answer is one state of the file, or FST_DOWNLOADS_FILE_CHANGED with Retry-After', async (t) => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'fdl-small-rewrite-')))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'files'))
  const path = join(dir, 'files', 'live.bin')
  writeFileSync(path, Buffer.alloc(SIZE, 0x61))
  const { app, base } = await startApp(join(dir, 'files'))
  t.teardown(() => app.close())
  const writer = spawn(process.execPath, ['-e', WRITER, path, String(SIZE)], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { writer.kill('SIGKILL') })
  await once(writer.stdout, 'data')

  // The states the file passes through: empty, half written, whole; of either version. Anything else is torn.
  const states = [0x61, 0x62].flatMap((byte) => [Buffer.alloc(SIZE, byte), Buffer.alloc(SIZE / 2, byte)]).concat(Buffer.alloc(0))
  const seen = { whole: 0, retry: 0, other: [] as string[] }
  const deadline = Date.now() + RUN_MS
  await Promise.all([0, 1, 2, 3].map(async () => {
    for (let i = 0; Date.now() < deadline && i < 20000; i++) {
      const res = await request(base, '/files/live.bin')
      if (res.status === 200 && Number(res.headers['content-length']) === res.body.length && states.some((state) => state.equals(res.body))) {
        seen.whole++
      } else if (res.status === 503 && res.headers['retry-after'] === '1' &&
        JSON.parse(res.body.toString()).code === 'FST_DOWNLOADS_FILE_CHANGED') {
        seen.retry++
      } else {
        seen.other.push(`${res.status} ${res.body.length} bytes ${res.body.subarray(0, 80).toString('latin1')}`)
      }
    }
  }))
  writer.kill('SIGKILL')
  t.same(seen.other.slice(0, 5), [], `no 500, no torn body (${seen.other.length} of ${seen.whole + seen.retry + seen.other.length})`)
  t.ok(seen.whole > 0, `states of the file were served (${seen.whole}; ${seen.retry} answered 503)`)
})
