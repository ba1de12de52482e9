// Shared by test/clients/*.test.ts: find a client program, start an app on a real socket, run a client.
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { access, constants } from 'node:fs/promises'
import path from 'node:path'
import { once } from 'node:events'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'

/** CI runs these tests with CI=true: a missing client is then a failure, not a skip. */
export const inCI = process.env.CI !== undefined && !['', '0', 'false'].includes(process.env.CI.toLowerCase())

/** The first of `names` that is an executable on PATH (or an absolute path), or undefined. */
export async function findProgram (...names: string[]): Promise<string | undefined> {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)
  for (const name of names) {
    const candidates = path.isAbsolute(name) ? [name] : dirs.map((dir) => path.join(dir, name))
    for (const candidate of candidates) {
      try {
        await access(candidate, constants.X_OK)
        return candidate
      } catch {}
    }
  }
  return undefined
}

/**
 * Call when a client program is missing: the whole file is skipped with a message saying what to
 * install, except under CI, where the program was expected and the file fails.
 */
export function missingProgram (t: Test, program: string, install: string): void {
  const message = `${program} not found on PATH (${install})`
  if (inCI) {
    t.fail(`${message}: CI=true expects it to be installed by .ci/run`)
  } else {
    t.plan(0, message)
  }
}

export interface SeenRequest {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  statusCode?: number
}

export interface Served {
  origin: string
  /** Every request the server received, in order, with the status it answered. */
  requests: SeenRequest[]
}

/**
 * Records every request (404s included), listens on 127.0.0.1 on a free port and closes the app when
 * the test ends. Call it before the app is ready.
 */
export async function serve (t: Test, app: FastifyInstance): Promise<Served> {
  const requests: SeenRequest[] = []
  const byId = new Map<string, SeenRequest>()
  app.addHook('onRequest', async (req) => {
    const seen: SeenRequest = { method: req.method, url: req.url, headers: { ...req.headers } }
    requests.push(seen)
    byId.set(req.id, seen)
  })
  // onSend, not onResponse: the status is recorded even when the client hangs up mid-body
  // (aria2 does when another connection has already fetched the rest of a segment).
  app.addHook('onSend', async (req, reply, payload) => {
    const seen = byId.get(req.id)
    if (seen !== undefined) seen.statusCode = reply.statusCode
    return payload
  })
  t.teardown(() => app.close())
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address')
  return { origin: `http://127.0.0.1:${address.port}`, requests }
}

/** The environment clients run in: no proxy settings, a UTF-8 locale so file names stay as they are. */
function clientEnv (): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C.UTF-8' }
  for (const key of Object.keys(env)) {
    if (/^(https?|all|no|ftp)_proxy$/i.test(key)) delete env[key]
  }
  return env
}

export interface RunResult {
  stdout: string
  stderr: string
}

/** Runs a client to completion; rejects with its stderr in the message when it exits non-zero. */
export function run (file: string, args: string[], opts: { cwd?: string, timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, {
      cwd: opts.cwd,
      env: clientEnv(),
      timeout: opts.timeoutMs ?? 60_000,
      maxBuffer: 16 * 1024 * 1024
    }, (err, stdout, stderr) => {
      if (err !== null) {
        reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${err.message}\n${stderr}`, { cause: err }))
      } else {
        resolve({ stdout, stderr })
      }
    })
  })
}

export async function sha256File (file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Writes `size` random bytes to `file` and returns their SHA-256. */
export async function writeRandomFile (file: string, size: number): Promise<string> {
  const hash = createHash('sha256')
  const out = createWriteStream(file)
  const chunkSize = 1024 * 1024
  for (let written = 0; written < size; written += chunkSize) {
    const chunk = randomBytes(Math.min(chunkSize, size - written))
    hash.update(chunk)
    if (!out.write(chunk)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'close')
  return hash.digest('hex')
}

/** The `filename` and `filename*` parameters of a Content-Disposition value (RFC 6266). */
export function dispositionNames (value: string): { filename?: string, filenameStar?: string } {
  const result: { filename?: string, filenameStar?: string } = {}
  const plain = /;\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(value)
  if (plain !== null) result.filename = plain[1] !== undefined ? plain[1].replace(/\\(.)/g, '$1') : plain[2]
  const star = /;\s*filename\*\s*=\s*UTF-8''([^;\s]+)/i.exec(value)
  if (star?.[1] !== undefined) result.filenameStar = decodeURIComponent(star[1])
  return result
}

export interface BytePart {
  headers: Record<string, string>
  data: Buffer
}

/**
 * Splits a multipart/byteranges body (RFC 9110 section 14.6) strictly: CRLF line ends, each part's
 * length taken from its Content-Range, and the close delimiter at the end. Throws on anything else.
 */
export function parseByteranges (body: Buffer, boundary: string): BytePart[] {
  const delimiter = Buffer.from(`--${boundary}`)
  const expect = (at: number, text: string): void => {
    if (body.toString('latin1', at, at + text.length) !== text) {
      throw new Error(`expected ${JSON.stringify(text)} at byte ${at}, found ${JSON.stringify(body.toString('latin1', at, at + text.length))}`)
    }
  }
  const parts: BytePart[] = []
  let pos = body.indexOf(delimiter)
  if (pos === -1) throw new Error('no delimiter in the body')
  for (;;) {
    pos += delimiter.length
    if (body.toString('latin1', pos, pos + 2) === '--') break
    expect(pos, '\r\n')
    const end = body.indexOf('\r\n\r\n', pos)
    if (end === -1) throw new Error(`part headers at byte ${pos} do not end`)
    const headers: Record<string, string> = {}
    for (const line of body.toString('latin1', pos + 2, end).split('\r\n')) {
      const colon = line.indexOf(':')
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    const range = /^bytes (\d+)-(\d+)\/\d+$/.exec(headers['content-range'] ?? '')
    if (range === null) throw new Error(`part at byte ${pos} has no Content-Range: ${JSON.stringify(headers)}`)
    const start = end + 4
    const length = Number(range[2]) - Number(range[1]) + 1
    parts.push({ headers, data: body.subarray(start, start + length) })
    pos = start + length
    expect(pos, '\r\n')
    expect(pos + 2, delimiter.toString('latin1'))
    pos += 2
  }
  return parts
}
