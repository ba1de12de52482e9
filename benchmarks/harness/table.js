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

function pct (share) {
  return Number.isFinite(share) ? `${Math.round(share * 100)}%` : 'n/a'
}

export function scenarioTable (results, scenario) {
  const cells = results.cells.filter((c) => c.scenario === scenario.id)
  const base = cells.find((c) => c.contender === results.baseline && c.headline)?.headline
  const rows = [
    '| Contender | Tool | req/s | MB/s | p50 ms | p99 ms | errors / unexpected | server CPU | load-gen CPU | other CPU | peak RSS MiB |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
  ]
  for (const c of cells) {
    const label = results.contenders.find((k) => k.id === c.contender)?.label ?? c.contender
    if (!c.headline) {
      rows.push(`| ${label} | n/a: ${c.skipped ?? ''} | | | | | | | | | |`)
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
      num(h.peakRssBytes / MiB, 1) + ratio(h.peakRssBytes, base?.peakRssBytes)
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

// The README's table: one row per headline scenario, fastify-downloads against @fastify/static as shipped
// (the ratio), with the tuned @fastify/static, the node:http floor and nginx beside them when they ran.
const HEADLINE = [
  ['1k', '1 KiB file'],
  ['64k', '64 KiB file'],
  ['1m', '1 MiB file'],
  ['100m', '100 MiB file'],
  ['range', 'Range: 64 KiB of 100 MiB'],
  ['304', '304 (If-None-Match)'],
  ['multipart', 'multipart: 3 ranges'],
  ['buffer', 'Buffer source, 64 KiB'],
  ['stream', 'streamed source, 64 KiB'],
  ['cleanup', 'cleanup callback, 64 KiB'],
  ['changing', 'file rewritten every 200 ms']
]
const BY_BYTES = new Set(['64k', '1m', '100m']) // large files: MB/s is the figure
const BESIDE = { 'fastify-static-hwm64k': 'static, highWaterMark 64 KiB', 'node-http': 'node:http floor', nginx: 'nginx' }

export function renderHeadline (results, mdPath) {
  const m = results.machine
  const s = results.settings
  const cell = (contender, scenario) => results.cells.find((c) => c.contender === contender && c.scenario === scenario)
  const beside = Object.keys(BESIDE).filter((id) => results.contenders.some((k) => k.id === id && !k.missing))
  const out = [
    `From [${mdPath}](${mdPath}): Node ${results.node.server}, ${m.nproc} cores (${m.cpuModel}), library ${results.library?.builds[0]?.commit ?? '?'}, ` +
      `${s.durationSeconds} s cells after ${s.warmupSeconds} s, ${s.reps > 1 ? `medians of ${s.reps}` : 'one run'}. ` +
      'Ratios to @fastify/static as shipped ("static"); ‡: something else used the machine during that cell.',
    '',
    `| Cell | | fastify-downloads | static | ${beside.map((id) => BESIDE[id] + ' | ').join('')}tool |`,
    `| --- | --- | ---: | ---: |${beside.map(() => ' ---: |').join('')} --- |`
  ]
  for (const [id, title] of HEADLINE) {
    const scenario = results.scenarios.find((x) => x.id === id)
    if (!scenario) continue
    const bytes = BY_BYTES.has(id)
    const value = (c) => c?.headline ? (bytes ? c.headline.bytesPerSecond / 1e6 : c.headline.requestsPerSecond) : NaN
    const base = value(cell(results.baseline, id))
    const figure = (contender, withRatio) => {
      const c = cell(contender, id)
      if (!c?.headline) return 'n/a'
      let text = rate(value(c)) + (withRatio ? ratio(value(c), base) : '')
      if (scenario.verify) text += `, ${num(c.runs.reduce((n, r) => n + (r.autocannon.verification?.mismatches ?? 0), 0))} wrong`
      // Where the server's own CPU cannot be read (nginx's worker), "other CPU" includes it: no mark there.
      const busy = c.headline.serverCpuShare > 0 && (c.headline.machineBusy || c.headline.settleTimedOut)
      return text + (busy ? ' ‡' : '')
    }
    const row = [
      title,
      bytes ? 'MB/s' : 'req/s',
      figure('fastify-downloads', true),
      figure(results.baseline, false),
      ...beside.map((b) => figure(b, true)),
      cell('fastify-downloads', id)?.headline?.tool ?? ''
    ]
    out.push(`| ${row.join(' | ')} |`)
  }
  return out.join('\n') + '\n'
}
