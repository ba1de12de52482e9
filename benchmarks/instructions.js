// Instructions per request, counted by valgrind's callgrind: the same figure on every run of the same
// build, whatever else the machine does (req/s here moves by a quarter or more from one process to the next).
// It counts user-space instructions only: the kernel's socket work and the cost of a cache miss are not
// in it, so it measures what each server's JavaScript (and Node's C++) does per request, not its speed.
//
//   node benchmarks/instructions.js [--contenders a,b] [--scenarios 1k,buffer1k] [--requests 2000]
//                                   [--warmup 20000] [--processes 3] [--previous <git ref>] [--node 22]
//                                   [--name suffix] [--keep-dumps dir] [--node-flag=--some-v8-flag ...]
// --keep-dumps copies each process's callgrind dump there (<scenario>-<contender>-<n>.out), for
// callgrind_annotate (function by function).
// Without --name it writes results/instructions-<date>-node<major>.{json,md} and puts the table into
// benchmarks/README.md; with --name (a partial or experimental run) only the results files, named with it.
//
// Each server starts under callgrind with instrumentation off (start-up is not counted), takes --warmup
// requests (V8 optimises the hot path), then --requests more with instrumentation on, over the same
// keep-alive connections; the figure is the instructions of that window divided by --requests (after
// 20,000 requests V8 has finished optimising the path: none of its compiler's work falls in the window).
// With --processes N each cell is measured in N fresh processes: the figure repeats to within 1% unless a
// process falls into another garbage-collection mode (the streamed source can: benchmarks/README.md), and
// the table then shows the range.
// Needs valgrind (apt-get install -y valgrind).
import { parseArgs } from 'node:util'
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { contenders as allContenders, BENCH_DIR } from './harness/contenders.js'
import { SCENARIOS } from './harness/scenarios.js'
import { startServer, httpGet, HOLD_TICK } from './harness/server.js'
import { ensureFiles } from './harness/files.js'
import { buildPrevious } from './harness/previous.js'
import { nodeBinary, nodeVersion } from './harness/node.js'
import { libraryBuild } from './harness/library.js'
import { updateReadme } from './harness/readme.js'

// The cells where the per-request work of the stacks shows; larger bodies add the same memcpy to all.
const DEFAULT_SCENARIOS = ['1k', 'buffer1k', '304', 'stream']
const DEFAULT_CONTENDERS = ['fastify-downloads', 'fastify-ceiling', 'fastify-ceiling-with-downloads', 'fastify-bare', 'fastify-bare-with-downloads', 'fastify-static', 'express', 'node-http']

const { values: args } = parseArgs({
  options: {
    contenders: { type: 'string' },
    scenarios: { type: 'string' },
    requests: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '8' },
    processes: { type: 'string', default: '3' },
    previous: { type: 'string' },
    node: { type: 'string' },
    name: { type: 'string' },
    'keep-dumps': { type: 'string' },
    'node-flag': { type: 'string', multiple: true, default: [] }
  }
})

if ((args.contenders || args.scenarios) && !args.name) {
  console.error('--contenders and --scenarios make a partial run: name it with --name (it then leaves the README alone)')
  process.exit(2)
}

try {
  execFileSync('valgrind', ['--version'], { stdio: 'pipe' })
} catch {
  console.error('instructions.js needs valgrind (apt-get install -y valgrind)')
  process.exit(2)
}

// The load runs here, on core 1, the server on core 0: how many requests each wake-up of the server finds
// waiting moves its instructions per request (fewer event-loop turns per request), so it must not vary.
execFileSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'pipe' })

const filesDir = join(BENCH_DIR, 'files')
ensureFiles(filesDir)
const node = nodeBinary(args.node)
const previous = args.previous ? buildPrevious(join(BENCH_DIR, '..'), args.previous) : null
const wantedContenders = args.contenders?.split(',') ?? [...DEFAULT_CONTENDERS, ...(previous ? ['fastify-downloads-previous'] : [])]
const wantedScenarios = args.scenarios?.split(',') ?? DEFAULT_SCENARIOS
const list = allContenders({ node, previous }).filter((c) => wantedContenders.includes(c.id))
const scenarios = SCENARIOS.filter((s) => wantedScenarios.includes(s.id))
for (const id of wantedContenders) {
  const c = list.find((x) => x.id === id)
  if (c === undefined || c.runtime !== 'node') throw new Error(`--contenders: ${id} is not a Node contender`)
  if (c.missing) throw new Error(`${id}: ${c.missing}`)
}
for (const id of wantedScenarios) if (!scenarios.some((s) => s.id === id)) throw new Error(`--scenarios: no scenario ${id}`)

/**
 * Exactly `n` requests over the agent's keep-alive connections; every answer must have the expected status.
 * The warm-up and the counted requests share the agent: new connections deoptimised Node's socket and
 * parser code, and recompiling it was a third of the count on Node 20 and over half on Node 22.
 */
async function load (agent, port, scenario, headers, n, concurrency) {
  let left = n
  let wrong = 0
  const one = () => new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port, path: scenario.path, headers, agent }, (res) => {
      if (res.statusCode !== scenario.status) wrong++
      res.resume()
      res.on('end', resolve)
    }).on('error', () => { wrong++; resolve() })
  })
  const worker = async () => { while (left-- > 0) await one() }
  await Promise.all(Array.from({ length: concurrency }, worker))
  if (wrong > 0) throw new Error(`${wrong} of ${n} answers were not ${scenario.status}`)
}

const callgrindControl = (...argv) => execFileSync('callgrind_control', argv, { stdio: 'pipe' })

/** One contender, one scenario, one process: `{ perRequest }`, or `{ na }` with the reason it is not measured. */
async function measure (contender, scenario, port, processIndex) {
  if (contender.unsupported?.[scenario.id]) return { na: contender.unsupported[scenario.id] }
  const outDir = mkdtempSync(join(tmpdir(), 'callgrind-'))
  const [nodeBin, ...nodeArgs] = contender.command
  const wrapped = {
    ...contender,
    runtime: 'valgrind',
    command: ['valgrind', '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${outDir}/out.%p`,
      '--smc-check=all-non-file', nodeBin, ...HOLD_TICK, ...args['node-flag'], ...nodeArgs]
  }
  const server = await startServer({ contender: wrapped, port, filesDir, cwd: BENCH_DIR, core: 0 })
  let agent
  try {
    const headers = { ...scenario.headers }
    if (scenario.ifNoneMatch) headers['if-none-match'] = (await httpGet(port, scenario.path)).headers.etag
    const first = await httpGet(port, scenario.path, headers)
    if (first.status !== scenario.status) return { na: `answers ${first.status}, not ${scenario.status}` }
    const n = Number(args.requests)
    const concurrency = Number(args.concurrency)
    agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })
    await load(agent, port, scenario, headers, Number(args.warmup), concurrency)
    callgrindControl('--zero', String(server.pid))
    callgrindControl('--instr=on', String(server.pid))
    await load(agent, port, scenario, headers, n, concurrency)
    callgrindControl('--instr=off', String(server.pid))
    callgrindControl('--dump', String(server.pid))
    const dump = readdirSync(outDir).find((f) => f.endsWith('.1'))
    const totals = /^totals:\s+(\d+)/m.exec(readFileSync(join(outDir, dump), 'utf8'))
    if (args['keep-dumps']) {
      mkdirSync(args['keep-dumps'], { recursive: true })
      copyFileSync(join(outDir, dump), join(args['keep-dumps'], `${scenario.id}-${contender.id}-${processIndex}.out`))
    }
    return { perRequest: Math.round(Number(totals[1]) / n) }
  } finally {
    agent?.destroy()
    if (server.child.exitCode === null && server.child.signalCode === null) {
      const exited = new Promise((resolve) => server.child.once('exit', resolve))
      server.child.kill('SIGKILL')
      await exited
    }
    rmSync(outDir, { recursive: true, force: true })
  }
}

/** A cell measured in --processes fresh processes: the median, and every figure. */
async function measureCell (contender, scenario) {
  const runs = []
  for (let p = 0; p < Number(args.processes); p++) {
    const run = await measure(contender, scenario, port++, p)
    if (run.na) return run
    runs.push(run.perRequest)
  }
  const sorted = [...runs].sort((a, b) => a - b)
  return { perRequest: sorted[(sorted.length - 1) >> 1], runs }
}

const results = { date: new Date().toISOString(), node: nodeVersion(node), library: libraryBuild(join(BENCH_DIR, '..')), previous: previous?.commit ?? null, requests: Number(args.requests), processes: Number(args.processes), warmup: Number(args.warmup), concurrency: Number(args.concurrency), nodeFlags: args['node-flag'], cells: {} }
let port = 4420
for (const scenario of scenarios) {
  results.cells[scenario.id] = {}
  for (const contender of list) {
    const cell = await measureCell(contender, scenario)
    results.cells[scenario.id][contender.id] = cell
    console.log(`${scenario.id.padEnd(9)} ${contender.id.padEnd(27)} ${cell.na ? `n/a (${cell.na})` : `${figure(cell)} instructions/request`}`)
  }
}

/** The median, and the range when the processes differ by more than 2%. */
function figure (cell) {
  const low = Math.min(...cell.runs)
  const high = Math.max(...cell.runs)
  const median = cell.perRequest.toLocaleString('en-US')
  return high > low * 1.02 ? `${median} (${low.toLocaleString('en-US')}-${high.toLocaleString('en-US')})` : median
}

/** The markdown table: a row per contender, a column per scenario. */
function table () {
  const head = `| contender | ${scenarios.map((s) => s.id).join(' | ')} |\n| --- |${scenarios.map(() => ' ---: |').join('')}\n`
  return head + list.map((c) => `| ${c.label} | ${scenarios.map((s) => {
    const cell = results.cells[s.id][c.id]
    return cell.na ? 'n/a' : figure(cell)
  }).join(' | ')} |`).join('\n') + '\n'
}

const major = results.node.slice(1).split('.')[0]
const stem = `instructions-${results.date.slice(0, 10)}-node${major}${args.name ? `-${args.name}` : ''}`
mkdirSync(join(BENCH_DIR, 'results'), { recursive: true })
writeFileSync(join(BENCH_DIR, 'results', `${stem}.json`), JSON.stringify(results, null, 2) + '\n')
const md = `# Instructions per request (callgrind), ${results.date.slice(0, 10)}\n\nNode ${results.node}, library ${results.library.commit}${results.library.libDirty ? ' with uncommitted lib/ changes' : ''} (dist ${results.library.distHash})${results.previous ? `, previous ${results.previous}` : ''}${results.nodeFlags.length ? `, servers run with ${results.nodeFlags.join(' ')}` : ''}; ${results.requests} requests counted after ${results.warmup} uncounted, in ${results.processes} fresh process${results.processes > 1 ? 'es' : ''} per cell (${results.processes === 2 ? 'the lower figure' : 'median'}; the range where they differ by more than 2%), ${results.concurrency} keep-alive connections. User-space instructions of the server process only (no kernel).\n\n${table()}`
writeFileSync(join(BENCH_DIR, 'results', `${stem}.md`), md)
console.log(`\n${table()}\nwritten: results/${stem}.{json,md}`)
// A run of the default cells (no --name) is the one benchmarks/README.md shows.
if (!args.name && updateReadme(join(BENCH_DIR, 'README.md'), `instructions-node${major}`, `From [results/${stem}.md](results/${stem}.md): ${md.split('\n').slice(2).join('\n')}`)) {
  console.log(`README.md section instructions-node${major} updated`)
}
