import t from 'tap'
import { readdirSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { makeFixture, startApp } from '../helpers/app.js'
import { request } from '../helpers/http.js'

const fx = makeFixture()
t.teardown(fx.remove)
const SIZE = 8 * 1024 * 1024
writeFileSync(join(fx.root, 'eight.bin'), Buffer.alloc(SIZE, 3))

const openFds = (): number => readdirSync('/proc/self/fd').length
const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function aborted (base: string, path: string, after: number): Promise<void> {
  return new Promise((resolve) => {
    const req = httpRequest(base + path, { agent: false }, (res) => {
      let got = 0
      res.on('data', (c: Buffer) => {
        got += c.length
        if (got >= after) { req.destroy(); resolve() }
      })
      res.on('end', resolve)
    })
    req.on('error', () => resolve())
    req.end()
  })
}

t.test('no file descriptor leaks: many downloads, half aborted midway, plus multipart, HEAD and errors', { skip: process.platform !== 'linux' && 'reads /proc/self/fd' }, async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  await request(base, '/files/alphabet.txt')
  await settle(50)
  const baseline = openFds()
  const jobs: Array<Promise<unknown>> = []
  for (let i = 0; i < 60; i++) {
    if (i % 2 === 0) jobs.push(aborted(base, '/files/eight.bin', 64 * 1024 + i * 1000))
    else jobs.push(request(base, '/files/eight.bin'))
    if (i % 10 === 0) {
      jobs.push(request(base, '/files/big.bin', { headers: { range: 'bytes=0-9,500-599,-5' } }))
      jobs.push(aborted(base, '/files/eight.bin', 1))
      jobs.push(request(base, '/files/eight.bin', { method: 'HEAD' }))
      jobs.push(request(base, '/files/eight.bin', { headers: { range: `bytes=${SIZE}-` } }))
      jobs.push(request(base, '/files/eight.bin', { headers: { 'if-none-match': '*' } }))
    }
  }
  await Promise.all(jobs)
  let now = openFds()
  for (let i = 0; i < 100 && now > baseline; i++) {
    await settle(20)
    now = openFds()
  }
  t.equal(now, baseline, `open descriptors back at the baseline (${baseline})`)
})
