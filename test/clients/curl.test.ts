// curl against the demo over a real socket: resume (-C -), server-chosen names (-OJ), revalidation (-z, ETag).
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { build, BUNDLED_FILES } from '../../examples/app.js'
import { dispositionNames, findProgram, missingProgram, parseByteranges, run, serve, sha256File, writeRandomFile } from '../helpers/clients.js'

const NON_ASCII = 'Résumé – 2026 ✓.pdf'
const curl = await findProgram('curl')

if (curl === undefined) {
  missingProgram(t, 'curl', 'apt-get install curl')
} else {
  // `-q` first: ignore any ~/.curlrc. `-sS`: quiet but show errors. `-f`: exit non-zero on 4xx/5xx.
  const curlArgs = ['-q', '-sS', '-f', '--noproxy', '*']

  const data = t.testdir({})
  const size = 3 * 1024 * 1024 + 17
  const digest = await writeRandomFile(path.join(data, 'data.bin'), size)
  const big = await serve(t, await build({ root: data }))
  const demo = await serve(t, await build())

  t.test('curl -C - resumes a partial download to the exact bytes', async (t) => {
    const dir = t.testdir({})
    const out = path.join(dir, 'data.bin')
    const cut = 1_234_567
    await writeFile(out, (await readFile(path.join(data, 'data.bin'))).subarray(0, cut))

    await run(curl, [...curlArgs, '-C', '-', '-o', out, `${big.origin}/files/data.bin`])

    t.equal((await stat(out)).size, size)
    t.equal(await sha256File(out), digest)
    const seen = big.requests.at(-1)
    t.equal(seen?.headers.range, `bytes=${cut}-`, 'curl asked for the rest')
    t.equal(seen?.statusCode, 206)
  })

  t.test('curl -I (HEAD) reports the length a GET would send', async (t) => {
    // RFC 9110 section 9.3.2: HEAD sends the same header fields as GET, Content-Length included.
    const cases = [
      { url: `${big.origin}/files/data.bin`, length: size },
      { url: `${demo.origin}/files/guide.pdf`, length: (await stat(new URL('guide.pdf', BUNDLED_FILES))).size }
    ]
    for (const { url, length } of cases) {
      const { stdout } = await run(curl, [...curlArgs, '-I', url])
      t.match(stdout, /^HTTP\/1\.1 200 /, url)
      t.match(stdout, new RegExp(`^content-length: ${length}\\r?$`, 'im'), `${url}: Content-Length ${length}`)
      t.match(stdout, /^accept-ranges: bytes\r?$/im)
    }
  })

  t.test('curl -r with two ranges gets them both, as multipart/byteranges', async (t) => {
    const out = path.join(t.testdir({}), 'parts')
    const { stdout } = await run(curl, [...curlArgs, '-r', '0-99,2000000-2000099', '-o', out, '-w', '%{http_code}\\n%{content_type}', `${big.origin}/files/data.bin`])
    const [status, type = ''] = stdout.split('\n')
    t.equal(status, '206')
    const boundary = /^multipart\/byteranges; boundary=("?)([^";]+)\1$/.exec(type)?.[2] ?? ''
    t.not(boundary, '', `Content-Type ${type}`)

    const whole = await readFile(path.join(data, 'data.bin'))
    const parts = parseByteranges(await readFile(out), boundary)
    t.same(parts.map((p) => p.headers['content-range']), [`bytes 0-99/${size}`, `bytes 2000000-2000099/${size}`])
    t.same(parts[0]?.data, whole.subarray(0, 100))
    t.same(parts[1]?.data, whole.subarray(2_000_000, 2_000_100))
  })

  t.test('curl -C - on a complete file leaves it as it is', async (t) => {
    const dir = t.testdir({})
    const out = path.join(dir, 'data.bin')
    await writeFile(out, await readFile(path.join(data, 'data.bin')))

    // Without -f, curl takes a 416 to its resume as "already complete": exit 0, file untouched.
    // (With -f, curl 7.88 exits 22 on that 416.)
    await run(curl, ['-q', '-sS', '--noproxy', '*', '-C', '-', '-o', out, `${big.origin}/files/data.bin`])

    t.equal(await sha256File(out), digest)
    t.equal(big.requests.at(-1)?.statusCode, 416)
  })

  for (const source of [NON_ASCII, 'guide.pdf']) {
    t.test(`curl -OJ saves ${source} under the name the server gives`, async (t) => {
      const dir = t.testdir({})
      const url = `${demo.origin}/files/${encodeURIComponent(source)}`
      // -D - dumps the response headers to stdout while -O writes the body to a file.
      const { stdout } = await run(curl, [...curlArgs, '-O', '-J', '-D', '-', url], { cwd: dir })
      const header = /^content-disposition:\s*(.*?)\r?$/im.exec(stdout)?.[1] ?? ''
      const { filename, filenameStar } = dispositionNames(header)

      if (source === NON_ASCII) {
        t.equal(filenameStar, NON_ASCII, 'filename* carries the exact name')
        t.match(filename, /^[\x20-\x7e]+$/, 'filename is a printable ASCII fallback')
      } else {
        t.equal(filename, source)
      }
      // curl -J reads only the `filename` parameter: it does not decode `filename*` (RFC 8187).
      t.same(await readdir(dir), [filename], `saved as ${filename}`)
      t.same(await readFile(path.join(dir, filename ?? '')), await readFile(new URL(source, BUNDLED_FILES)), 'same bytes')
    })
  }

  t.test('curl -OJ takes the name of a generated download from Content-Disposition', async (t) => {
    const dir = t.testdir({})
    await run(curl, [...curlArgs, '-O', '-J', `${demo.origin}/report`], { cwd: dir })
    const saved = await readdir(dir)
    t.match(saved, [/^report-\d{4}-\d{2}-\d{2}\.txt$/], 'saved as report-<date>.txt, not "report"')
    t.match(await readFile(path.join(dir, saved[0] ?? ''), 'utf8'), /^Files report, /)
  })

  t.test('curl -z revalidates with If-Modified-Since and gets 304', async (t) => {
    const dir = t.testdir({})
    const first = path.join(dir, 'guide.pdf')
    const url = `${demo.origin}/files/guide.pdf`
    // -R gives the saved file the server's Last-Modified time; -z then sends it as If-Modified-Since.
    await run(curl, [...curlArgs, '-R', '-o', first, url])
    t.equal((await stat(first)).mtime.getTime(), Math.floor((await stat(new URL('guide.pdf', BUNDLED_FILES))).mtimeMs / 1000) * 1000)

    const again = path.join(dir, 'again.pdf')
    const { stdout } = await run(curl, [...curlArgs, '-z', first, '-o', again, '-w', '%{http_code}', url])
    t.equal(stdout, '304')
    const seen = demo.requests.at(-1)
    t.ok(seen?.headers['if-modified-since'], 'curl sent If-Modified-Since')
    t.equal(seen?.statusCode, 304)

    // A copy older than the file is sent again, in full.
    const { stdout: older } = await run(curl, [...curlArgs, '-z', 'Sat, 01 Jan 2000 00:00:00 GMT', '-o', again, '-w', '%{http_code}', url])
    t.equal(older, '200')
    t.same(await readFile(again), await readFile(first))
  })

  t.test('curl --etag-compare revalidates with If-None-Match and gets 304', async (t) => {
    const dir = t.testdir({})
    const etag = path.join(dir, 'etag.txt')
    const url = `${demo.origin}/files/chart.png`
    await run(curl, [...curlArgs, '--etag-save', etag, '-o', path.join(dir, 'chart.png'), url])
    t.match(await readFile(etag, 'utf8'), /^"[^"]+"\s*$/, 'a strong ETag was saved')

    const { stdout } = await run(curl, [...curlArgs, '--etag-compare', etag, '-o', path.join(dir, 'again.png'), '-w', '%{http_code}', url])
    t.equal(stdout, '304')
    t.equal(demo.requests.at(-1)?.headers['if-none-match'], (await readFile(etag, 'utf8')).trim())
  })
}
