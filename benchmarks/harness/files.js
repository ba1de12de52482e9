// The files every contender serves, generated once into benchmarks/files (gitignored) and reused when present.
import { mkdirSync, statSync, openSync, writeSync, closeSync, writeFileSync, renameSync } from 'node:fs'
import { randomFillSync } from 'node:crypto'
import { join } from 'node:path'

export const KiB = 1024
export const MiB = 1024 * KiB

export const FILES = [
  { name: '1k.bin', size: KiB },
  { name: '64k.bin', size: 64 * KiB },
  { name: '1m.bin', size: MiB },
  { name: '100m.bin', size: 100 * MiB }
]

/** Random (incompressible) bytes, written in 1 MiB blocks. Keeps an existing file of the right size. */
export function ensureFile (dir, name, size, { block = MiB } = {}) {
  const path = join(dir, name)
  try {
    if (statSync(path).size === size) return path
  } catch {}
  const buf = randomFillSync(Buffer.allocUnsafe(Math.min(block, size)))
  const fd = openSync(path + '.tmp', 'w')
  try {
    for (let off = 0; off < size; off += buf.length) writeSync(fd, buf, 0, Math.min(buf.length, size - off))
  } finally {
    closeSync(fd)
  }
  renameSync(path + '.tmp', path)
  return path
}

export function ensureFiles (dir) {
  mkdirSync(dir, { recursive: true })
  for (const f of FILES) ensureFile(dir, f.name, f.size)
}

// The changing file. Version n is ASCII, names its version on the first line and has a length that depends
// on n, so a client can tell from the body alone which version it got and check Content-Length against it.
export const CHANGING = 'changing.bin'
const FILL = 'abcdefghijklmnopqrstuvwxyz0123456789'

export function changingContent (n) {
  const head = `version:${String(n).padStart(10, '0')}\n`
  const length = 64 * KiB + (n % 7) * 1000
  return head + FILL[n % FILL.length].repeat(length - head.length)
}

/** Parses the version from a body; NaN when the body is not a version at all (a torn or mixed read). */
export function changingVersion (body) {
  if (!body.startsWith('version:')) return NaN
  return Number(body.slice(8, 18))
}

/**
 * Rewrites the changing file every `everyMs` with the next version. Each version is written beside the file
 * and renamed over it, so that any open() sees one whole version: a mixed body is the server's doing.
 */
export function startRewriting (dir, everyMs) {
  const path = join(dir, CHANGING)
  let n = 1
  const write = () => {
    writeFileSync(path + '.next', changingContent(n))
    renameSync(path + '.next', path)
  }
  write()
  const timer = setInterval(() => { n++; write() }, everyMs)
  return { stop () { clearInterval(timer); return n } }
}

export function writeChangingFile (dir) {
  writeFileSync(join(dir, CHANGING), changingContent(0))
}
