// The benchmark runner: generates the files, starts every contender on loopback (pinned to core 0), loads
// each in turn with autocannon in a child pinned to core 1 (and wrk where autocannon's core is the limit),
// and writes results/<date>-node<major>-<mode>.json and .md. See README.md.
//
//   node benchmarks/run.js [--quick] [--node 22] [--reps N] [--duration S] [--warmup S] [--connections N]
//                          [--contenders a,b] [--scenarios a,b] [--wrk | --no-wrk] [--wrk-min-bytes N] [--cpu-prof]
//                          [--readme | --no-readme] [--previous <git ref>] [--name <suffix>]
//                          [--autocannon-stock]
import { execFileSync } from 'node:child_process'
import { parseArgs } from 'node:util'
import { mkdirSync, writeFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { ensureFiles, writeChangingFile, startRewriting } from './harness/files.js'
import { SCENARIOS } from './harness/scenarios.js'
import { contenders as listContenders, BENCH_DIR } from './harness/contenders.js'
import { cpuSeconds, settle, sampleRss, hwmBytes, machine, machineBusySeconds, loadAverage } from './harness/proc.js'
import { runWrk, wrkVersion } from './harness/wrk.js'
import { startServer, httpGet } from './harness/server.js'
import { renderMarkdown, renderHeadline } from './harness/table.js'
import { topFunctions } from './harness/profile.js'
import { updateReadme } from './harness/readme.js'
import { nodeBinary, nodeVersion } from './harness/node.js'
import { libraryBuild } from './harness/library.js'
import { buildPrevious } from './harness/previous.js'
import { startLoadgen } from './harness/loadgen-client.js'

const SERVER_CORE = 0
const LOADGEN_CORE = 1
const SATURATED = 0.9
const BUSY = 0.25 // more CPU than this used elsewhere on the machine during a cell makes it suspect
const BASE_PORT = 4100

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    node: { type: 'string', default: '' },
    reps: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '32' },
    contenders: { type: 'string' },
    scenarios: { type: 'string' },
    wrk: { type: 'boolean' },
    'no-wrk': { type: 'boolean', default: false },
    'wrk-min-bytes': { type: 'string', default: '65536' },
    'cpu-prof': { type: 'boolean', default: false },
    readme: { type: 'boolean' },
    'no-readme': { type: 'boolean', default: false },
    'autocannon-stock': { type: 'boolean', default: false },
    previous: { type: 'string' },
    name: { type: 'string' }
  }
})

const mode = args.quick ? 'quick' : 'full'
const settings = {
  connections: Number(args.connections),
  durationSeconds: Number(args.duration ?? (args.quick ? 1.5 : 10)),
  warmupSeconds: Number(args.warmup ?? (args.quick ? 0.3 : 1)),
  reps: Number(args.reps ?? (args.quick ? 1 : 3)),
  wrk: args['no-wrk'] ? false : (args.wrk ?? !args.quick),
  // wrk re-measures every cell whose bodies are at least this big (and any cell that saturated autocannon)
  wrkMinBytes: Number(args['wrk-min-bytes']),
  stockAutocannon: args['autocannon-stock']
}

const serverNode = nodeBinary(args.node)
const serverNodeVersion = nodeVersion(serverNode)
const filesDir = join(BENCH_DIR, 'files')
const resultsDir = join(BENCH_DIR, 'results')
const stamp = new Date().toISOString().slice(0, 10)
// A run of some contenders or scenarios only is named apart, so it never replaces the full table.
const partial = args.contenders !== undefined || args.scenarios !== undefined || args.previous !== undefined
if (partial && args.name === undefined) throw new Error('--contenders, --scenarios and --previous need --name <suffix> (results/<date>-node<N>-<mode>-<suffix>)')
const tag = `${stamp}-node${serverNodeVersion.slice(1).split('.')[0]}-${mode}${args.name ? `-${args.name}` : ''}`
const previous = args.previous ? buildPrevious(join(BENCH_DIR, '..'), args.previous) : null
const profileDir = join(resultsDir, 'profiles', tag)

const log = (...a) => console.error(...a)
const median = (xs) => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b)
  if (!v.length) return NaN
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2
}

// ---- probing: does this contender answer the scenario as a correct server would? ----------------------

async function prepare (server, port, scenario) {
  const headers = { ...scenario.headers }
  if (scenario.ifNoneMatch) {
    const first = await httpGet(port, scenario.path)
    if (!first.headers.etag) return { skip: 'sends no ETag' }
    headers['if-none-match'] = first.headers.etag
  }
  const r = await httpGet(port, scenario.path, headers)
  const probe = { status: r.status, length: r.length, contentType: r.headers['content-type'] ?? null }
  if (r.status !== scenario.status) {
    const why = scenario.headers?.range ? ' (Range not honoured)' : ''
    return { skip: `answers ${r.status} instead of ${scenario.status}${why}`, probe }
  }
  if (scenario.contentType && !scenario.contentType.test(probe.contentType ?? '')) {
    return { skip: `answers ${probe.contentType} instead of ${scenario.contentType.source}`, probe }
  }
  if (scenario.bodyBytes !== undefined && r.length !== scenario.bodyBytes) {
    return { skip: `sends ${r.length} bytes instead of ${scenario.bodyBytes}`, probe }
  }
  if (r.status !== 304 && !/^attachment/i.test(r.headers['content-disposition'] ?? '')) {
    return { skip: 'sends no Content-Disposition: attachment', probe }
  }
  return { headers, probe }
}

// ---- one cell: one contender, one scenario, one repetition -------------------------------------------

async function runCell (loadgen, server, port, scenario, headers, allPids) {
  const url = `http://127.0.0.1:${port}${scenario.path}`
  const settled = await settle(allPids)
  const rewriting = scenario.rewriteEveryMs ? startRewriting(filesDir, scenario.rewriteEveryMs) : null
  let cpu0, busy0, sampler, result, versionsWritten
  try {
    result = await loadgen.run({
      url,
      path: scenario.path,
      headers,
      connections: settings.connections,
      durationSeconds: settings.durationSeconds,
      warmupSeconds: settings.warmupSeconds,
      verify: scenario.verify ?? null,
      stockAutocannon: settings.stockAutocannon
    }, () => {
      cpu0 = cpuSeconds(server.pids)
      busy0 = machineBusySeconds()
      sampler = sampleRss(server.pids)
    })
  } finally {
    versionsWritten = rewriting?.stop()
  }
  if (versionsWritten) result.versionsWritten = versionsWritten
  result.settleSeconds = settled.seconds
  result.settleTimedOut = settled.timedOut
  const rss = sampler.stop()
  const serverCpu = cpuSeconds(server.pids) - cpu0
  result.serverCpuShare = serverCpu / result.durationSeconds
  result.otherCpuShare = (machineBusySeconds() - busy0 - serverCpu - result.cpuSeconds) / result.durationSeconds
  result.peakRssBytes = rss.peak
  result.loadgenCpuShare = result.cpuShare
  result.loadgenSaturated = result.cpuShare > SATURATED
  const expected = result.statusCodes?.[scenario.status] ?? 0
  const responses = Object.values(result.statusCodes ?? {}).reduce((a, b) => a + b, 0)
  result.unexpectedStatus = responses - expected
  result.failures = result.errors + result.timeouts + result.unexpectedStatus + (result.verification?.mismatches ?? 0)

  const wantWrk = settings.wrk && wrkTool && !scenario.verify &&
    ((scenario.bodyBytes ?? 0) >= settings.wrkMinBytes || result.loadgenSaturated || scenario.wrk === true)
  let wrk = null
  if (wantWrk) {
    const settledWrk = await settle(allPids)
    const c0 = cpuSeconds(server.pids)
    const b0 = machineBusySeconds()
    const s = sampleRss(server.pids)
    wrk = await runWrk({ url, headers, connections: settings.connections, durationSeconds: settings.durationSeconds, core: LOADGEN_CORE })
    const serverCpu = cpuSeconds(server.pids) - c0
    wrk.serverCpuShare = serverCpu / wrk.durationSeconds
    wrk.otherCpuShare = (machineBusySeconds() - b0 - serverCpu - wrk.cpuSeconds) / wrk.durationSeconds
    wrk.peakRssBytes = s.stop().peak
    wrk.loadgenCpuShare = wrk.cpuShare
    wrk.settleSeconds = settledWrk.seconds
    wrk.settleTimedOut = settledWrk.timedOut
    wrk.loadgenSaturated = wrk.cpuShare > SATURATED
    wrk.unexpectedStatus = wrk.non2xx
    wrk.failures = wrk.errors + wrk.timeouts + wrk.non2xx
  }
  return { autocannon: result, wrk }
}

// ---- aggregation ------------------------------------------------------------------------------------------

const FIELDS = ['requestsPerSecond', 'bytesPerSecond', 'serverCpuShare', 'loadgenCpuShare', 'otherCpuShare', 'peakRssBytes']

function medianOf (runs) {
  if (!runs.length) return null
  const out = { tool: runs[0].tool, runs: runs.length }
  for (const f of FIELDS) out[f] = median(runs.map((r) => r[f]))
  out.latencyMs = { p50: median(runs.map((r) => r.latencyMs.p50)), p99: median(runs.map((r) => r.latencyMs.p99)) }
  out.failures = runs.reduce((s, r) => s + r.failures, 0) // summed over runs: any failure must show
  out.loadgenSaturated = runs.some((r) => r.loadgenSaturated)
  out.machineBusy = runs.some((r) => r.otherCpuShare > BUSY)
  out.settleTimedOut = runs.some((r) => r.settleTimedOut)
  return out
}

function aggregate (cellRuns, scenario, contenderIds) {
  const cells = contenderIds.map((id) => {
    const c = cellRuns.get(`${id}/${scenario.id}`)
    return { contender: id, scenario: scenario.id, ...c, autocannon: medianOf(c.runs.map((r) => r.autocannon)), wrk: medianOf(c.runs.map((r) => r.wrk).filter(Boolean)) }
  })
  const timed = cells.filter((c) => c.autocannon)
  const useWrk = timed.length > 0 && timed.some((c) => c.autocannon.loadgenSaturated) && timed.every((c) => c.wrk)
  for (const c of cells) {
    if (!c.autocannon) continue
    c.headline = useWrk ? c.wrk : c.autocannon
    c.crossCheck = useWrk ? c.autocannon : c.wrk
    c.notes ??= []
    if (useWrk) c.notes.push(`figures from wrk; autocannon (load generator at ${Math.round(c.autocannon.loadgenCpuShare * 100)}% of its core) measured ${Math.round(c.autocannon.requestsPerSecond)} req/s`)
    const v = c.runs.map((r) => r.autocannon.verification).filter(Boolean)
    if (v.length) {
      const verified = v.reduce((s, x) => s + x.verified, 0)
      const mismatches = v.reduce((s, x) => s + x.mismatches, 0)
      const versions = v.reduce((s, x) => s + x.versionsSeen, 0)
      const examples = v.flatMap((x) => x.examples).slice(0, 3)
      c.notes.push(`${verified} bodies verified, ${versions} versions seen, ${mismatches} stale or inconsistent${examples.length ? ': ' + examples.join('; ') : ''}`)
    }
  }
  return cells
}

// ---- main ------------------------------------------------------------------------------------------------

const wrkTool = wrkVersion()
const require = createRequire(import.meta.url)
const autocannonVersion = require('autocannon/package.json').version

async function main () {
  const loadAtStart = loadAverage()
  if (loadAtStart[0] > 1) log(`[bench] warning: load average ${loadAtStart.join(' ')}: something else is running, figures will be noisy`)
  log(`[bench] ${mode} mode, servers on ${serverNodeVersion} (${serverNode}), load generator on ${process.version}`)
  ensureFiles(filesDir)
  writeChangingFile(filesDir)

  let contenders = listContenders({ node: serverNode, previous })
  if (args.contenders) {
    const keep = new Set(args.contenders.split(','))
    keep.add('fastify-static') // the baseline of every ratio
    if (previous) keep.add('fastify-downloads-previous')
    contenders = contenders.filter((c) => keep.has(c.id))
  } else {
    contenders = contenders.filter((c) => !c.optional || (previous && c.id === 'fastify-downloads-previous'))
  }
  const scenarios = args.scenarios ? SCENARIOS.filter((s) => args.scenarios.split(',').includes(s.id)) : SCENARIOS
  for (const c of contenders.filter((c) => c.missing)) log(`[bench] skipping ${c.id}: ${c.missing}`)
  const live = contenders.filter((c) => !c.missing)

  const hwmCheck = JSON.parse(execFileSync(serverNode, ['harness/hwm-check.js', join(filesDir, '1m.bin')], { cwd: BENCH_DIR }).toString())
  log(`[bench] @fastify/send highWaterMark: ${JSON.stringify(hwmCheck)}`)

  const loadgen = startLoadgen(LOADGEN_CORE)
  await loadgen.isReady
  const cellRuns = new Map()
  for (const c of contenders) for (const s of scenarios) cellRuns.set(`${c.id}/${s.id}`, { runs: [], notes: [] })
  const lifetimePeak = new Map(live.map((c) => [c.id, []]))
  if (args['cpu-prof']) mkdirSync(profileDir, { recursive: true })

  const started = Date.now()
  const builds = []
  try {
    for (let rep = 1; rep <= settings.reps; rep++) {
      builds.push(libraryBuild(join(BENCH_DIR, '..')))
      const servers = new Map()
      try {
        const starting = live.map((c, i) => {
          const nodeFlags = args['cpu-prof'] && c.id === 'fastify-downloads' ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []
          return startServer({ contender: c, port: BASE_PORT + i, filesDir, cwd: BENCH_DIR, core: SERVER_CORE, nodeFlags })
            .then((server) => servers.set(c.id, server))
        })
        const failed = (await Promise.allSettled(starting)).find((r) => r.status === 'rejected')
        if (failed) throw failed.reason
        // Every server shares the server core: each cell first waits for all of them to be idle.
        const allPids = [...servers.values()].flatMap((server) => server.pids)
        for (const s of scenarios) {
          for (const [i, c] of live.entries()) { // interleaved: A B C, A B C ...
            const cell = cellRuns.get(`${c.id}/${s.id}`)
            const port = BASE_PORT + i
            const unsupported = c.unsupported?.[s.id] ?? c.unsupported?.[s.source]
            if (unsupported) { cell.skipped = unsupported; continue }
            const prep = await prepare(servers.get(c.id), port, s)
            if (prep.skip) { cell.skipped = prep.skip; cell.probe = prep.probe; continue }
            const note = c.notes?.[s.source]
            if (note && !cell.notes.includes(`idiomatic equivalent: ${note}`)) cell.notes.push(`idiomatic equivalent: ${note}`)
            const t0 = Date.now()
            const r = await runCell(loadgen, servers.get(c.id), port, s, prep.headers, allPids)
            cell.runs.push(r)
            const h = r.autocannon
            log(`[bench] rep ${rep} ${s.id.padEnd(9)} ${c.id.padEnd(22)} ${Math.round(h.requestsPerSecond).toString().padStart(7)} req/s ` +
              `${(h.bytesPerSecond / 1e6).toFixed(0).padStart(5)} MB/s p99 ${h.latencyMs.p99} ms fail ${h.failures} ` +
              `settled ${h.settleSeconds.toFixed(1)} s${h.settleTimedOut ? ' (TIMED OUT: a server never went idle)' : ''} srv ${Math.round(h.serverCpuShare * 100)}% gen ${Math.round(h.loadgenCpuShare * 100)}% other ${Math.round(h.otherCpuShare * 100)}% (${((Date.now() - t0) / 1000).toFixed(1)} s)` +
              (r.wrk ? ` | wrk ${Math.round(r.wrk.requestsPerSecond)} req/s ${(r.wrk.bytesPerSecond / 1e6).toFixed(0)} MB/s gen ${Math.round(r.wrk.loadgenCpuShare * 100)}%` : ''))
          }
        }
      } finally {
        for (const [id, server] of servers) {
          lifetimePeak.get(id).push(hwmBytes(server.pids))
          await server.stop()
        }
      }
    }
  } finally {
    loadgen.stop()
  }

  for (const [id, cell] of cellRuns) {
    const c = contenders.find((k) => id.startsWith(k.id + '/'))
    if (c.missing) cell.skipped = c.missing
  }
  const results = {
    date: new Date().toISOString(),
    mode,
    elapsedSeconds: Math.round((Date.now() - started) / 1000),
    node: { server: serverNodeVersion, loadgen: process.version },
    machine: machine(),
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadAverage(),
    pinning: { server: SERVER_CORE, loadgen: LOADGEN_CORE },
    settings,
    library: { builds, changedDuringRun: new Set(builds.map((b) => b.distHash)).size > 1, previous: previous?.commit ?? null },
    tools: { autocannon: autocannonVersion, wrk: settings.wrk ? wrkTool : null, autocannonBodiesDropped: !settings.stockAutocannon },
    hwmCheck,
    baseline: 'fastify-static',
    contenders: contenders.map((c) => ({
      id: c.id,
      label: c.label,
      missing: c.missing ?? null,
      version: c.version?.() ?? (c.runtime === 'node' ? serverNodeVersion : null),
      lifetimePeakRssBytes: lifetimePeak.get(c.id) ?? null
    })),
    scenarios: scenarios.map(({ contentType, ...s }) => ({ ...s, ...(contentType ? { contentType: contentType.source } : {}) })),
    cells: scenarios.flatMap((s) => aggregate(cellRuns, s, contenders.map((c) => c.id)))
  }
  if (args['cpu-prof']) {
    const file = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile')).sort().pop()
    if (file) results.profile = { file: join('profiles', tag, file), top: topFunctions(join(profileDir, file)) }
  }
  mkdirSync(resultsDir, { recursive: true })
  const md = renderMarkdown(results)
  writeFileSync(join(resultsDir, `${tag}.json`), JSON.stringify(results, null, 2) + '\n')
  writeFileSync(join(resultsDir, `${tag}.md`), md)
  log(`[bench] wrote results/${tag}.json and results/${tag}.md in ${results.elapsedSeconds} s`)
  if (!args['no-readme'] && (args.readme ?? (mode === 'full' && !partial))) {
    const key = `node${serverNodeVersion.slice(1).split('.')[0]}`
    const body = renderHeadline(results, `results/${tag}.md`)
    if (updateReadme(join(BENCH_DIR, 'README.md'), key, body)) log(`[bench] README.md section ${key} updated`)
  }
  process.stdout.write(md)
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
