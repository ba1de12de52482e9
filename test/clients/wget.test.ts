// wget against the demo over a real socket: resume (-c) and server-chosen names (--content-disposition).
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { build, BUNDLED_FILES } from '../../examples/app.js'
import { findProgram, missingProgram, run, serve, sha256File, writeRandomFile } from '../helpers/clients.js'

const NON_ASCII = 'Résumé – 2026 ✓.pdf'
const wget = await findProgram('wget')

if (wget === undefined) {
  missingProgram(t, 'wget', 'apt-get install wget')
} else {
  // --no-config: ignore /etc/wgetrc and ~/.wgetrc. -nv: one line per file, errors still shown.
  const wgetArgs = ['--no-config', '-nv', '--no-proxy', '--tries=1', '--timeout=30']

  const data = t.testdir({})
  const size = 3 * 1024 * 1024 + 17
  const digest = await writeRandomFile(path.join(data, 'data.bin'), size)
  const big = await serve(t, await build({ root: data }))
  const demo = await serve(t, await build())

  t.test('wget -c resumes a partial download to the exact bytes', async (t) => {
    const dir = t.testdir({})
    const out = path.join(dir, 'data.bin')
    const cut = 2_000_003
    await writeFile(out, (await readFile(path.join(data, 'data.bin'))).subarray(0, cut))

    await run(wget, [...wgetArgs, '-c', `${big.origin}/files/data.bin`], { cwd: dir })

    t.same(await readdir(dir), ['data.bin'], 'continued the same file')
    t.equal((await stat(out)).size, size)
    t.equal(await sha256File(out), digest)
    const seen = big.requests.at(-1)
    t.equal(seen?.headers.range, `bytes=${cut}-`, 'wget asked for the rest')
    t.equal(seen?.statusCode, 206)
  })

  t.test('wget -c on a complete file leaves it as it is', async (t) => {
    const dir = t.testdir({})
    const out = path.join(dir, 'data.bin')
    await writeFile(out, await readFile(path.join(data, 'data.bin')))

    await run(wget, [...wgetArgs, '-c', `${big.origin}/files/data.bin`], { cwd: dir })

    t.same(await readdir(dir), ['data.bin'])
    t.equal(await sha256File(out), digest)
    t.equal(big.requests.at(-1)?.statusCode, 416, 'the range past the end is not satisfiable')
  })

  for (const source of [NON_ASCII, 'guide.pdf']) {
    t.test(`wget --content-disposition saves ${source} under the suggested name`, async (t) => {
      const dir = t.testdir({})
      await run(wget, [...wgetArgs, '--content-disposition', `${demo.origin}/files/${encodeURIComponent(source)}`], { cwd: dir })

      // wget reads the exact name from filename*=UTF-8''… (RFC 8187), not the ASCII fallback.
      t.same(await readdir(dir), [source])
      t.same(await readFile(path.join(dir, source)), await readFile(new URL(source, BUNDLED_FILES)), 'same bytes')
    })
  }

  t.test('wget --content-disposition names a generated download', async (t) => {
    const dir = t.testdir({})
    await run(wget, [...wgetArgs, '--content-disposition', `${demo.origin}/export.csv?rows=3`], { cwd: dir })
    t.same(await readdir(dir), ['export.csv'], 'not "export.csv?rows=3"')
    t.match(await readFile(path.join(dir, 'export.csv'), 'utf8'), /^id,customer,amount,created_at\r\n1,/)
  })
}
