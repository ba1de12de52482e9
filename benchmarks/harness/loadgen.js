// The load generator: a long-lived child process (the runner starts it under `taskset -c 1`) that takes one
// job at a time over IPC, runs autocannon's programmatic API (warm-up, then the measured run) and reports
// the result with its own CPU use, so that the runner can flag the cells where the load generator, not the
// server, was the limit.
import autocannon from 'autocannon'
import { createRequire } from 'node:module'
import { changingContent, changingVersion } from './files.js'

// autocannon appends every response body to a JS string (utf8-decoding each chunk) even when nothing reads
// it; on 1 MiB and 100 MiB bodies that, not the server, is what it measures. Bodies are dropped unless a
// job verifies them. --autocannon-stock (job.stockAutocannon) keeps the original behaviour.
const require = createRequire(import.meta.url)
const Queue = require('autocannon/lib/pipelinedRequestsQueue.js')
const addBody = Queue.prototype.addBody
// Body bytes are counted as they arrive: autocannon counts a response's bytes only once it is complete,
// which on a 100 MiB body and a short run leaves most of the transfer uncounted.
let bodyBytes = 0
function keepBodies (keep) {
  Queue.prototype.addBody = keep
    ? function (data) { bodyBytes += data.length; return addBody.call(this, data) }
    : function (data) { bodyBytes += data.length }
}

/** Checks that each body of the changing file is one whole version and consistent with its headers. */
function changingVerifier () {
  const versionOfEtag = new Map()
  const stats = { verified: 0, mismatches: 0, versionsSeen: new Set(), examples: [] }
  function fail (why) {
    stats.mismatches++
    if (stats.examples.length < 5) stats.examples.push(why)
  }
  function onResponse (status, body, context, rawHeaders) {
    if (status !== 200) return // counted as an unexpected status by the runner
    const headers = {}
    for (const k in rawHeaders) headers[k.toLowerCase()] = rawHeaders[k]
    stats.verified++
    const n = changingVersion(body)
    if (!Number.isInteger(n)) return fail(`body is no whole version (starts ${JSON.stringify(body.slice(0, 20))})`)
    stats.versionsSeen.add(n)
    const expected = changingContent(n)
    if (body !== expected) {
      if (expected.startsWith(body)) return fail(`only ${body.length} of the ${expected.length} bytes of version ${n} (length taken from another version)`)
      if (body.startsWith(expected)) return fail(`version ${n} followed by ${body.length - expected.length} more bytes`)
      return fail(`body of version ${n} is torn or mixed`)
    }
    const length = headers['content-length']
    if (length !== undefined && Number(length) !== body.length) {
      return fail(`content-length ${length} but version ${n} has ${body.length} bytes`)
    }
    const etag = headers.etag
    if (etag !== undefined) {
      const seen = versionOfEtag.get(etag)
      if (seen === undefined) versionOfEtag.set(etag, n)
      else if (seen !== n) fail(`etag ${etag} served for version ${seen} and version ${n}`)
    }
  }
  return { onResponse, stats }
}

function summarise (r, cpu, wallSeconds, bodyBytes) {
  const statusCodes = {}
  for (const [code, { count }] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = count
  return {
    tool: 'autocannon',
    durationSeconds: wallSeconds,
    requests: r.requests.total,
    bytes: bodyBytes,
    requestsPerSecond: r.requests.total / wallSeconds,
    bytesPerSecond: bodyBytes / wallSeconds,
    latencyMs: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max },
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    statusCodes,
    cpuSeconds: cpu,
    cpuShare: cpu / wallSeconds
  }
}

async function run (job) {
  const verifier = job.verify === 'changing' ? changingVerifier() : null
  keepBodies(job.stockAutocannon || verifier !== null)
  const base = {
    url: job.url,
    connections: job.connections,
    pipelining: 1,
    // autocannon stops at the first sample tick after `duration`: with its default of 1 s a 1.5 s run lasts 2 s.
    sampleInt: 100,
    timeout: job.timeoutSeconds ?? 30,
    headers: job.headers ?? {},
    requests: [{ method: 'GET', path: job.path, headers: job.headers ?? {}, ...(verifier ? { onResponse: verifier.onResponse } : {}) }]
  }
  if (job.warmupSeconds > 0) await autocannon({ ...base, duration: job.warmupSeconds })
  if (verifier) { // the warm-up is not verified-and-counted
    verifier.stats.verified = 0
    verifier.stats.mismatches = 0
    verifier.stats.examples.length = 0
    verifier.stats.versionsSeen.clear()
  }
  process.send({ type: 'measure-start', id: job.id })
  const cpu0 = process.cpuUsage()
  bodyBytes = 0
  const t0 = process.hrtime.bigint()
  const r = await autocannon({ ...base, duration: job.durationSeconds })
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  const c = process.cpuUsage(cpu0)
  const result = summarise(r, (c.user + c.system) / 1e6, wall, bodyBytes)
  if (verifier) {
    const { verified, mismatches, versionsSeen, examples } = verifier.stats
    result.verification = { verified, mismatches, versionsSeen: versionsSeen.size, examples }
  }
  return result
}

process.on('message', async (job) => {
  if (job.type === 'exit') process.exit(0)
  try {
    process.send({ type: 'result', id: job.id, result: await run(job) })
  } catch (err) {
    process.send({ type: 'result', id: job.id, error: String(err?.stack ?? err) })
  }
})
process.send({ type: 'ready' })
