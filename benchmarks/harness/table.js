// Markdown rendering of a results object written by run.js.
const MiB = 1024 * 1024

function num (x, digits = 0) {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a'
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

function rate (x) {
  return Number.isFinite(x) && x < 10 ? num(x, 2) : num(x)
}

function ms (x) {
  return Number.isFinite(x) && x < 10 ? num(x, 2) : num(x, 1)
}

function ratio (x, base) {
  if (!Number.isFinite(x) || !Number.isFinite(base) || base === 0) return ''
  return ` (${(x / base).toFixed(2)}×)`
}

// About 40 ns or over 200 (README, "Two speeds of process.nextTick"); the line between them.
const SLOW_TICK_NS = 100

/** Per run: the server's ns per nextTick after the cell, or before→after where the speed changed in it. */
function ticks (cell) {
  const seen = (cell.runs ?? []).map((r) => r.nextTickNs).filter(Boolean)
  if (!seen.length) return 'n/a'
  return seen.map(({ before, after }) => (before > SLOW_TICK_NS) === (after > SLOW_TICK_NS) ? `${after}` : `${before}→${after}`).join(', ')
}

// results.warmTicks: 'held' (run.js's default), false (--no-warm-ticks), or true in runs made before
// harness/warm-ticks.js held a tick object, when it only warmed.
const TICK_POLICY = {
  held: 'process.nextTick: every Node server preloads harness/warm-ticks.js, which holds one tick object so that nextTick keeps its fast speed (the default; README, "Two speeds of process.nextTick").',
  false: 'process.nextTick: left alone: each Node server runs at whichever of its two speeds its start-up and its idle moments leave it.',
  true: 'process.nextTick: warmed in every Node server before it loaded anything (--warm-ticks, an earlier harness/warm-ticks.js that did not hold a tick object).'
}

function pct (share) {
  return Number.isFinite(share) ? `${Math.round(share * 100)}%` : 'n/a'
}

export function scenarioTable (results, scenario) {
  const cells = results.cells.filter((c) => c.scenario === scenario.id)
  const base = cells.find((c) => c.contender === results.baseline && c.headline)?.headline
  const rows = [
    '| Contender | Tool | req/s | MB/s | p50 ms | p99 ms | errors / unexpected | server CPU | load-gen CPU | other CPU | peak RSS MiB | nextTick ns |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
  ]
  for (const c of cells) {
    const label = results.contenders.find((k) => k.id === c.contender)?.label ?? c.contender
    if (!c.headline) {
      rows.push(`| ${label} | n/a: ${c.skipped ?? ''} | | | | | | | | | | |`)
      continue
    }
    const h = c.headline
    const sat = h.loadgenSaturated ? ' ⚠' : ''
    rows.push('| ' + [
      label + (c.contender === results.baseline ? ' (baseline)' : ''),
      h.tool + (c.crossCheck ? ` (${c.crossCheck.tool}: ${num(c.crossCheck.requestsPerSecond)} req/s, ${num(c.crossCheck.bytesPerSecond / 1e6, 0)} MB/s)` : ''),
      rate(h.requestsPerSecond) + ratio(h.requestsPerSecond, base?.requestsPerSecond),
      num(h.bytesPerSecond / 1e6, 1) + ratio(h.bytesPerSecond, base?.bytesPerSecond),
      ms(h.latencyMs.p50) + ratio(h.latencyMs.p50, base?.latencyMs.p50),
      ms(h.latencyMs.p99) + ratio(h.latencyMs.p99, base?.latencyMs.p99),
      num(h.failures),
      pct(h.serverCpuShare),
      pct(h.loadgenCpuShare) + sat,
      pct(h.otherCpuShare) + (h.machineBusy || h.settleTimedOut ? ' ‡' : ''),
      num(h.peakRssBytes / MiB, 1) + ratio(h.peakRssBytes, base?.peakRssBytes),
      ticks(c)
    ].join(' | ') + ' |')
  }
  const notes = cells.flatMap((c) => (c.notes ?? []).map((n) => `- ${results.contenders.find((k) => k.id === c.contender)?.label}: ${n}`))
  return rows.join('\n') + (notes.length ? '\n\n' + notes.join('\n') : '')
}

export function renderMarkdown (results) {
  const m = results.machine
  const out = []
  out.push(`# Benchmark results ${results.date} (${results.mode} mode)`)
  out.push('')
  out.push(`Machine: ${m.nproc} cores, ${m.cpuModel}, ${m.memoryGiB} GiB, Linux ${m.kernel}. ` +
    `Servers on Node ${results.node.server} (core ${results.pinning.server}), load generator on Node ${results.node.loadgen} (core ${results.pinning.loadgen}).`)
  if (results.library) {
    const b = results.library.builds
    out.push(`Library: commit ${b[0]?.commit}${b[0]?.libDirty ? ' (lib/ had uncommitted changes)' : ''}, dist hash ${b.map((x) => x.distHash).join(', ')}` +
      (results.library.changedDuringRun ? ' — the build CHANGED between repetitions: fastify-downloads figures mix builds.' : '.'))
  }
  if (results.idle) {
    const i = results.idle
    out.push(`Idle cores: ${i.pollIdle ? 'kept polling (--poll-idle: /dev/cpu_dma_latency held at 0)' : 'the default policy'}; cpuidle driver ${i.cpuidleDriver ?? 'none'}, governor ${i.cpuidleGovernor ?? 'none'}` +
      (i.guestHaltPollNs !== null ? `, guest_halt_poll_ns ${i.guestHaltPollNs}.` : '.'))
  }
  if (results.warmTicks !== undefined) {
    out.push(TICK_POLICY[String(results.warmTicks)])
  }
  out.push(`Load average at start ${results.loadAverageAtStart?.join(' ')}, at end ${results.loadAverageAtEnd?.join(' ')}.`)
  out.push(`Settings: ${results.settings.connections} connections, ${results.settings.durationSeconds} s measured after ${results.settings.warmupSeconds} s warm-up, ` +
    `${results.settings.reps} run(s) per cell${results.settings.reps > 1 ? ' (medians)' : ''}, contenders interleaved. ` +
    `Tools: autocannon ${results.tools.autocannon}${results.tools.wrk ? `, ${results.tools.wrk}` : ''}.`)
  out.push('')
  out.push('Ratios are to @fastify/static as shipped in the same run (for latency and RSS, lower is better). ' +
    '⚠ marks cells where the load generator used more than 90% of its core: there the figure is a floor, ' +
    'and the wrk cross-check (when run) is shown beside it; when any contender in a scenario saturated autocannon and ' +
    'wrk ran, the whole scenario is reported from wrk. MB/s counts body bytes as they arrive (autocannon) or all bytes read (wrk). ' +
    '"other CPU" is what the rest of the machine used meanwhile (from /proc/stat, less the server and the load generator); ' +
    '‡ marks more than 25% in at least one of the runs, or a run that started after 60 s of waiting for the servers to go idle ' +
    'without their doing so: something else was running and the cell is suspect. ' +
    'autocannon records latency in whole milliseconds; wrk in microseconds. A 100 MiB response rarely completes within a quick run: ' +
    'there req/s and latency are 0 and MB/s is the figure. ' +
    '"nextTick ns" is what one process.nextTick cost in the server after each run of the cell (about 40 ns, or over 200 in a slow process), ' +
    'written before→after where the cell changed it. ' +
    '"errors / unexpected" adds connection errors, timeouts, responses with another status than the scenario expects, and (changing file) bodies that failed verification, summed over runs.')
  out.push('')
  for (const s of results.scenarios) {
    out.push(`## ${s.title}`)
    out.push('')
    out.push(scenarioTable(results, s))
    out.push('')
  }
  if (results.hwmCheck) {
    out.push('## @fastify/send highWaterMark check')
    out.push('')
    out.push('```json')
    out.push(JSON.stringify(results.hwmCheck))
    out.push('```')
    out.push('')
  }
  out.push('## Server peak RSS over the whole run (VmHWM)')
  out.push('')
  out.push('| Contender | VmHWM MiB |')
  out.push('| --- | ---: |')
  for (const k of results.contenders) {
    if (k.lifetimePeakRssBytes) out.push(`| ${k.label} | ${num(Math.max(...k.lifetimePeakRssBytes) / MiB, 1)} |`)
  }
  const ticks = results.contenders.filter((k) => k.nextTickNs?.some((t) => t !== null))
  if (ticks.length) {
    out.push('')
    out.push('## process.nextTick in each server process (ns per call, after all its cells)')
    out.push('')
    out.push('The same Node runs it at about 40 ns in some processes and over 200 ns in others; once slow, a process ' +
      'stays slow, so a row of a slow process may be slower for that reason alone (README, "Two speeds of process.nextTick").')
    out.push('')
    out.push('| Contender | ns per nextTick, by repetition |')
    out.push('| --- | --- |')
    for (const k of ticks) out.push(`| ${k.label} | ${k.nextTickNs.map((t) => t ?? 'n/a').join(', ')} |`)
  }
  const skipped = results.contenders.filter((k) => k.missing)
  if (skipped.length) {
    out.push('')
    out.push('Skipped contenders: ' + skipped.map((k) => `${k.label} (${k.missing})`).join('; ') + '.')
  }
  if (results.profile) {
    const p = results.profile.top
    out.push('')
    out.push(`## CPU profile of fastify-downloads (--cpu-prof over the whole run, busy time only: ${p.busySamples} samples)`)
    out.push('')
    out.push('| self % of busy | module |')
    out.push('| ---: | --- |')
    for (const f of p.modules) out.push(`| ${f.selfPercent} | ${f.fn} |`)
    out.push('')
    out.push('| self % of busy | function |')
    out.push('| ---: | --- |')
    for (const f of p.functions) out.push(`| ${f.selfPercent} | \`${f.fn}\` |`)
  }
  return out.join('\n') + '\n'
}
