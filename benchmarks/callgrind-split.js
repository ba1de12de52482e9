// Splits the callgrind dumps that `instructions.js --keep-dumps <dir>` keeps into what a request's
// instructions went to: V8's optimising compilers, garbage collection, JIT code (unnamed, `???:0x…`) and
// the rest (Node's and V8's named C++, libc). A count with compiler work in it was taken before V8 had
// settled; a large collection share is a garbage-collection mode (benchmarks/README.md, "Instructions
// per request").
//
//   node benchmarks/callgrind-split.js <dir> [--requests 2000]
// Needs callgrind_annotate (valgrind).
import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { requests: { type: 'string', default: '2000' } }
})
if (positionals.length !== 1) {
  console.error('usage: node benchmarks/callgrind-split.js <dir of --keep-dumps files> [--requests 2000]')
  process.exit(2)
}

const COMPILER = /compiler::|turboshaft|maglev/i
const COLLECTOR = /Scaveng|Marking|Sweep|Pretenur|Evacuat|heap::|Heap::|SemiSpace|MemoryChunk|RememberedSet|SlotSet|BodyDescriptor|MarkCompact|GlobalHandles|IterateObjectCache|SizeFromMap|MinorMC|LargeObject/
const JIT = /^\?\?\?:0x/

/** Instructions per request of one dump, by kind. */
function split (file, requests) {
  const out = execFileSync('callgrind_annotate', ['--threshold=100', file], { maxBuffer: 256 * 1024 * 1024 }).toString()
  const kinds = { total: 0, compiler: 0, collector: 0, jit: 0, rest: 0 }
  for (const line of out.split('\n')) {
    const m = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$/.exec(line)
    if (m === null) continue
    const n = Number(m[1].replaceAll(',', ''))
    const name = m[2]
    if (name.includes('PROGRAM TOTALS')) kinds.total = n
    else if (COMPILER.test(name)) kinds.compiler += n
    else if (COLLECTOR.test(name)) kinds.collector += n
    else if (JIT.test(name)) kinds.jit += n
  }
  kinds.rest = kinds.total - kinds.compiler - kinds.collector - kinds.jit
  for (const k of Object.keys(kinds)) kinds[k] = Math.round(kinds[k] / requests)
  return kinds
}

const dir = positionals[0]
const rows = readdirSync(dir).filter((f) => f.endsWith('.out')).sort()
  .map((f) => ({ dump: f, ...split(join(dir, f), Number(args.requests)) }))
console.table(rows)
