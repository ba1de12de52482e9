// Flat memory: a download of a multi-GiB file must not grow the server's memory with the file. Serves a
// 2 GiB file (real bytes on disk, not a hole) and downloads it with
//   - a fast client that reads as fast as it can and discards, and
//   - a slow client that reads ~20 MB/s for 10 s (pause/resume) and then aborts,
// while sampling the server's VmRSS every 20 ms. Growth = peak - RSS after a warm-up request. Fails (exit 1)
// when fastify-downloads grows by 64 MiB or more. @fastify/static and the node:http floor run for context.
//
//   node benchmarks/memory.js [--node 22] [--size-gib 2] [--slow-seconds 10] [--slow-rate-mb 20]
//                             [--contenders fastify-downloads,fastify-static,node-http] [--readme | --no-readme]
import { parseArgs } from 'node:util'
import { execFileSync } from 'node:child_process'
import { writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { ensureFiles, ensureFile, MiB } from './harness/files.js'
import { contenders as listContenders, BENCH_DIR } from './harness/contenders.js'
import { startServer, httpGet } from './harness/server.js'
import { fastDownload, slowDownload } from './harness/downloads.js'
import { rssBytes, hwmBytes, cpuSeconds, machine, loadAverage } from './harness/proc.js'
import { nodeBinary, nodeVersion } from './harness/node.js'
import { updateReadme } from './harness/readme.js'

const { values: args } = parseArgs({
  options: {
    node: { type: 'string', default: '' },
    'size-gib': { type: 'string', default: '2' },
    'slow-seconds': { type: 'string', default: '10' },
    'slow-rate-mb': { type: 'string', default: '20' },
    contenders: { type: 'string', default: 'fastify-downloads,fastify-static,node-http' },
    readme: { type: 'boolean', default: true },
    'no-readme': { type: 'boolean', default: false }
  }
})

const LIMIT = 64 * MiB
const PORT = 4200
const size = Math.round(Number(args['size-gib']) * 1024) * MiB
const slowSeconds = Number(args['slow-seconds'])
const slowRate = Number(args['slow-rate-mb']) * 1e6
const filesDir = join(BENCH_DIR, 'files')
const bigName = `big-${args['size-gib']}g.bin`
const serverNode = nodeBinary(args.node)
const serverNodeVersion = nodeVersion(serverNode)

// The client side runs here: keep it off the server's core.
execFileSync('taskset', ['-a', '-c', '-p', '1', String(process.pid)], { stdio: 'ignore' })

function sampler (pids) {
  let peak = 0
  const timer = setInterval(() => { peak = Math.max(peak, rssBytes(pids)) }, 20)
  return { peak: () => Math.max(peak, rssBytes(pids)), stop: () => clearInterval(timer) }
}

async function measure (contender) {
  const server = await startServer({ contender, port: PORT, filesDir, cwd: BENCH_DIR, core: 0 })
  try {
    for (let i = 0; i < 20; i++) await httpGet(PORT, '/files/1m.bin') // warm-up: JIT, buffers, first allocations
    await sleep(500)
    const baseline = rssBytes(server.pids)
    const cpu0 = cpuSeconds(server.pids)

    const s1 = sampler(server.pids)
    const fast = await fastDownload(PORT, `/files/${bigName}`, size)
    s1.stop()
    fast.serverPeakRssBytes = s1.peak()

    const s2 = sampler(server.pids)
    const slow = await slowDownload(PORT, `/files/${bigName}`, slowRate, slowSeconds)
    s2.stop()
    slow.serverPeakRssBytes = s2.peak()

    await sleep(500)
    const alive = (await httpGet(PORT, '/files/1k.bin')).status === 200
    const after = rssBytes(server.pids)
    const peak = Math.max(fast.serverPeakRssBytes, slow.serverPeakRssBytes)
    return {
      contender: contender.id,
      label: contender.label,
      baselineRssBytes: baseline,
      peakRssBytes: peak,
      growthBytes: peak - baseline,
      afterRssBytes: after,
      vmHwmBytes: hwmBytes(server.pids),
      serverCpuSeconds: cpuSeconds(server.pids) - cpu0,
      aliveAfterAbort: alive,
      fast,
      slow
    }
  } finally {
    await server.stop()
  }
}

const fmt = (b) => (b / MiB).toFixed(1)

async function main () {
  ensureFiles(filesDir)
  console.error(`[memory] ${bigName}: ${size} bytes (written once, real bytes)`)
  ensureFile(filesDir, bigName, size)
  const wanted = args.contenders.split(',')
  const all = listContenders({ node: serverNode }).filter((c) => wanted.includes(c.id))
  const rows = []
  for (const c of all) {
    if (c.missing) { console.error(`[memory] skipping ${c.id}: ${c.missing}`); continue }
    const r = await measure(c)
    rows.push(r)
    console.error(`[memory] ${c.id}: baseline ${fmt(r.baselineRssBytes)} MiB, peak ${fmt(r.peakRssBytes)} MiB, growth ${fmt(r.growthBytes)} MiB; ` +
      `fast ${r.fast.mbPerSecond.toFixed(0)} MB/s (${r.fast.complete ? 'complete' : 'INCOMPLETE'}), slow ${r.slow.mbPerSecond.toFixed(1)} MB/s for ${r.slow.seconds.toFixed(1)} s`)
  }
  const results = {
    date: new Date().toISOString(),
    node: serverNodeVersion,
    machine: machine(),
    loadAverageAtEnd: loadAverage(),
    fileBytes: size,
    slow: { seconds: slowSeconds, targetBytesPerSecond: slowRate },
    limitBytes: LIMIT,
    rows
  }
  const md = [
    `Node ${serverNodeVersion} (server on core 0, clients on core 1), ${results.machine.nproc} cores ${results.machine.cpuModel}. ` +
      `File: ${fmt(size)} MiB. Fast client: reads and discards as fast as it can. Slow client: ~${args['slow-rate-mb']} MB/s for ${slowSeconds} s, then aborts. ` +
      `RSS sampled every 20 ms; growth = peak minus RSS after a warm-up. Load average at the end: ${results.loadAverageAtEnd.join(' ')}.`,
    '',
    '| Server | RSS before MiB | peak MiB | growth MiB | fast client MB/s | slow client MB/s | after abort MiB | serves after abort |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((r) => `| ${r.label} | ${fmt(r.baselineRssBytes)} | ${fmt(r.peakRssBytes)} | ${fmt(r.growthBytes)}${r.contender === 'fastify-downloads' ? (r.growthBytes < LIMIT ? ' (< 64 ✓)' : ' (≥ 64 ✗)') : ''} | ` +
      `${r.fast.mbPerSecond.toFixed(0)}${r.fast.complete ? '' : ' (incomplete)'} | ${r.slow.mbPerSecond.toFixed(1)} | ${fmt(r.afterRssBytes)} | ${r.aliveAfterAbort ? 'yes' : 'NO'} |`)
  ].join('\n')
  const dir = join(BENCH_DIR, 'results')
  mkdirSync(dir, { recursive: true })
  const tag = `memory-${results.date.slice(0, 10)}-node${serverNodeVersion.slice(1).split('.')[0]}`
  writeFileSync(join(dir, `${tag}.json`), JSON.stringify(results, null, 2) + '\n')
  writeFileSync(join(dir, `${tag}.md`), md + '\n')
  console.error(`[memory] wrote results/${tag}.json and .md`)
  if (args.readme && !args['no-readme']) {
    const key = `memory-node${serverNodeVersion.slice(1).split('.')[0]}`
    if (updateReadme(join(BENCH_DIR, 'README.md'), key, `From [results/${tag}.md](results/${tag}.md): ${md}`)) console.error(`[memory] README.md section ${key} updated`)
  }
  process.stdout.write(md + '\n')
  const ours = rows.find((r) => r.contender === 'fastify-downloads')
  if (ours && (ours.growthBytes >= LIMIT || !ours.fast.complete || !ours.aliveAfterAbort)) {
    console.error('[memory] FAIL: fastify-downloads grew by 64 MiB or more, or did not complete / survive the abort')
    process.exitCode = 1
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
