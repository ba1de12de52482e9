// aria2c fetching one large file over eight parallel connections, each asking for its own ranges.
import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { build } from '../../examples/app.js'
import { findProgram, missingProgram, run, serve, sha256File, writeRandomFile } from '../helpers/clients.js'

const aria2c = await findProgram('aria2c')

if (aria2c === undefined) {
  missingProgram(t, 'aria2c', 'apt-get install aria2')
} else {
  t.test('aria2c -x 8 -s 8 -k 1M fetches 64 MiB over parallel ranges, byte for byte', async (t) => {
    const data = t.testdir({ out: {} })
    const size = 64 * 1024 * 1024
    const digest = await writeRandomFile(path.join(data, 'big.bin'), size)
    const { origin, requests } = await serve(t, await build({ root: data }))
    const out = path.join(data, 'out')

    await run(aria2c, [
      '--no-conf', '--quiet', '--all-proxy=', '--file-allocation=none', '--allow-overwrite=true',
      '--auto-file-renaming=false', '--max-tries=1', '--retry-wait=0',
      '-x', '8', '-s', '8', '-k', '1M', '-d', out, '-o', 'big.bin', `${origin}/files/big.bin`
    ], { timeoutMs: 120_000 })

    t.same(await readdir(out), ['big.bin'], 'no .aria2 control file left: the download completed')
    t.equal((await stat(path.join(out, 'big.bin'))).size, size)
    t.equal(await sha256File(path.join(out, 'big.bin')), digest, 'sha256 matches')

    const ranged = requests.filter((r) => r.headers.range !== undefined)
    t.ok(ranged.length >= 2, `aria2 used ${ranged.length} range requests`)
    t.same(ranged.filter((r) => r.statusCode !== 206).map((r) => [r.headers.range, r.statusCode]), [], 'every range request got 206')
    const starts = new Set(ranged.map((r) => /^bytes=(\d+)-/.exec(String(r.headers.range))?.[1]))
    t.ok(starts.size >= 2, `ranges started at ${starts.size} different offsets`)
  })
}
