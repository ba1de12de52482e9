// A large file rewritten in place while it streams (same size, pwrite, truncate and extend): the body is cut, never sent complete.
import t, { type Test } from 'tap'
import { closeSync, mkdirSync, mkdtempSync, openSync, realpathSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs'
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startApp } from '../helpers/app.js'
import { parseByteranges } from '../helpers/clients.js'

const SIZE = 16 * 1024 * 1024
const dir = realpathSync(mkdtempSync(join(tmpdir(), 'fdl-rewrite-')))
const root = join(dir, 'files')
mkdirSync(root)
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

// Two versions of the file, different at every byte.
const first = Buffer.allocUnsafe(SIZE)
for (let i = 0; i < SIZE; i++) first[i] = (i * 7 + (i >> 12)) & 0xff
const second = Buffer.allocUnsafe(SIZE)
for (let i = 0; i < SIZE; i++) second[i] = first[i]! ^ 0x5a

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

type Mutation = (path: string) => void

const mutations: Record<string, Mutation> = {
  'writeFile of the same size, other content': (path) => writeFileSync(path, second),
  'pwrite of 64 KiB into the middle': (path) => {
    const fd = openSync(path, 'r+')
    try {
      writeSync(fd, second, 8 * 1024 * 1024, 64 * 1024, 8 * 1024 * 1024)
    } finally {
      closeSync(fd)
    }
  },
  'truncate to 0, then extend to the same size': (path) => {
    truncateSync(path, 0)
    writeFileSync(path, second)
  }
}

interface Got {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
  error?: Error
  /** No error and exactly Content-Length body bytes. */
  complete: boolean
}

/**
 * A GET with a slow reader: after the first chunk it stops reading, waits, runs `mutate`, waits for the
 * file times to tick, then reads on to the end (or to the error).
 */
function slowGet (base: string, path: string, headers: Record<string, string>, mutate?: () => void): Promise<Got> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let status = 0
    let received: IncomingHttpHeaders = {}
    let resolved = false
    const done = (error?: Error): void => {
      if (resolved) return
      resolved = true
      const body = Buffer.concat(chunks)
      const complete = error === undefined && body.length === Number(received['content-length'])
      resolve({ status, headers: received, body, error, complete })
    }
    const req = httpRequest(base + path, { agent: false, headers }, (res) => {
      status = res.statusCode!
      received = res.headers
      let paused = false
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk)
        if (paused) return
        paused = true
        res.pause()
        void (async () => {
          await settle(100)
          mutate?.()
          await settle(50)
          res.resume()
        })()
      })
      res.on('end', () => done())
      res.on('error', done)
      res.on('aborted', () => done(new Error('aborted')))
    })
    req.setTimeout(15_000, () => req.destroy(new Error('client timeout')))
    req.on('error', done)
    req.end()
  })
}

let serial = 0
/** A fresh copy of the first version under a name of its own, so no case sees another's cache entry. */
function freshFile (): { name: string, path: string } {
  const name = `large-${serial++}.bin`
  const path = join(root, name)
  writeFileSync(path, first)
  return { name, path }
}

function checkCut (t: Test, got: Got, status: number): void {
  t.equal(got.status, status)
  t.not(got.error?.message, 'client timeout', 'the server did not hang')
  t.notOk(got.complete, `not a complete response: ${got.body.length} of ${String(got.headers['content-length'])} bytes, ${got.error?.message ?? 'no error'}`)
}

t.test('large file rewritten mid-download', async (t) => {
  const { app, base } = await startApp(root)
  t.teardown(() => app.close())

  t.test('control: an unmodified file with the same slow reader is complete and byte-identical', async (t) => {
    const { name } = freshFile()
    const got = await slowGet(base, `/files/${name}`, {})
    t.equal(got.status, 200)
    t.equal(got.error, undefined)
    t.ok(got.complete)
    t.ok(got.body.equals(first), 'byte-identical')
  })

  t.test('control: an unmodified multipart range with the slow reader is complete and exact', async (t) => {
    const { name } = freshFile()
    const got = await slowGet(base, `/files/${name}`, { range: 'bytes=0-99,8000000-16777215' })
    t.equal(got.status, 206)
    t.ok(got.complete)
    const boundary = /boundary=(\S+)/.exec(String(got.headers['content-type']))?.[1] ?? ''
    const parts = parseByteranges(got.body, boundary)
    t.equal(parts.length, 2)
    t.ok(parts[0]?.data.equals(first.subarray(0, 100)), 'first part')
    t.ok(parts[1]?.data.equals(first.subarray(8000000)), 'second part')
  })

  for (const [label, mutate] of Object.entries(mutations)) {
    t.test(`200, ${label}: cut`, async (t) => {
      const { name, path } = freshFile()
      checkCut(t, await slowGet(base, `/files/${name}`, {}, () => mutate(path)), 200)
    })

    t.test(`206 single range, ${label}: cut`, async (t) => {
      const { name, path } = freshFile()
      checkCut(t, await slowGet(base, `/files/${name}`, { range: 'bytes=1000-16000000' }, () => mutate(path)), 206)
    })

    t.test(`206 multipart, ${label}: cut`, async (t) => {
      const { name, path } = freshFile()
      checkCut(t, await slowGet(base, `/files/${name}`, { range: 'bytes=0-99,8000000-16777215' }, () => mutate(path)), 206)
    })
  }
})
