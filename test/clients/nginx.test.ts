// The "Behind nginx" recipe, with Debian's nginx in front of the plugin: ranges, multipart, 304 and HEAD
// pass through proxy_pass unchanged, and with proxy_buffering off a client that leaves is seen as one.
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DownloadOutcome } from '../../lib/index.js'
import { makeFixture, startApp } from '../helpers/app.js'
import { request } from '../helpers/http.js'
import { findProgram, missingProgram, parseByteranges } from '../helpers/clients.js'

const nginx = await findProgram('nginx', '/usr/sbin/nginx')
if (nginx === undefined) {
  missingProgram(t, 'nginx', 'apt-get install nginx')
} else {
  const fx = makeFixture()
  t.teardown(fx.remove)
  const LARGE = 64 * 1024 * 1024
  writeFileSync(join(fx.root, 'large.bin'), Buffer.alloc(LARGE, 9))
  const outcomes: DownloadOutcome[] = []
  const { app, base: upstream } = await startApp(fx.root, { cleanup: (o) => { outcomes.push(o) } })
  t.teardown(() => app.close())

  const freePort = (): Promise<number> => new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
  const prefix = mkdtempSync(join(tmpdir(), 'fdl-nginx-'))
  t.teardown(() => rmSync(prefix, { recursive: true, force: true }))
  const port = await freePort()
  const proxied = `proxy_pass ${upstream}; proxy_http_version 1.1; proxy_set_header Connection "";`
  writeFileSync(join(prefix, 'nginx.conf'), `
daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  server {
    listen 127.0.0.1:${port};
    location / { ${proxied} }
    location /unbuffered/ { proxy_buffering off; rewrite ^/unbuffered(/.*)$ $1 break; ${proxied} }
  }
}
`)
  const proc = spawn(nginx, ['-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: 'ignore' })
  t.teardown(() => { proc.kill('SIGQUIT') })
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; i < 100; i++) {
    if (await request(base, '/files/alphabet.txt').then(() => true, () => false)) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }

  t.test('through proxy_pass: 200, Range, multipart, If-None-Match and HEAD arrive as the plugin sent them', async (t) => {
    const whole = await request(base, '/files/big.bin')
    t.equal(whole.status, 200)
    t.same(whole.body, fx.big)
    t.match(whole.headers['content-disposition'], /^attachment; filename="big.bin"/)
    const part = await request(base, '/files/big.bin', { headers: { range: 'bytes=100-199' } })
    t.equal(part.status, 206)
    t.equal(part.headers['content-range'], `bytes 100-199/${fx.big.length}`)
    t.same(part.body, fx.big.subarray(100, 200))
    const multi = await request(base, '/files/alphabet.txt', { headers: { range: 'bytes=0-1,-2' } })
    t.equal(multi.status, 206)
    const boundary = /boundary=(\S+)/.exec(String(multi.headers['content-type']))?.[1] ?? ''
    t.same(parseByteranges(multi.body, boundary).map((p) => p.data.toString()), ['ab', 'yz'])
    const notModified = await request(base, '/files/big.bin', { headers: { 'if-none-match': String(whole.headers.etag) } })
    t.equal(notModified.status, 304)
    const head = await request(base, '/files/big.bin', { method: 'HEAD' })
    t.equal(head.headers['content-length'], String(fx.big.length))
    t.equal(head.body.length, 0)
  })

  t.test('with proxy_buffering off, a client that leaves mid-download is an aborted download upstream', async (t) => {
    const before = outcomes.length
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${base}/unbuffered/files/large.bin`, (res) => {
        let got = 0
        res.on('data', (chunk: Buffer) => {
          got += chunk.length
          if (got >= 256 * 1024) { req.destroy(); resolve() }
        })
      })
      req.on('error', (err) => { if (!req.destroyed) reject(err) })
      req.end()
    })
    for (let i = 0; i < 100 && outcomes.length === before; i++) await new Promise((resolve) => setTimeout(resolve, 50))
    const outcome = outcomes[before]
    t.equal(outcome?.aborted, true, 'nginx closed the upstream connection when the client left')
    t.ok((outcome?.bytesSent ?? LARGE) < LARGE, `not all of it was sent (${outcome?.bytesSent})`)
    t.notMatch(readFileSync(join(prefix, 'error.log'), 'utf8'), /\[(crit|alert|emerg)\]/, 'nginx logged no fault')
  })
}
