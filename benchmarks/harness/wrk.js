// wrk, the C load generator, for the cells where autocannon's core is the limit. Pinned to core 1 like
// autocannon; a Lua done() hook prints the summary as JSON; its CPU time comes from the wrapping shell's
// cutime/cstime (children it has waited for).
import { execFile, execFileSync } from 'node:child_process'
import { writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CLK_TCK } from './proc.js'

const LUA = `
done = function(summary, latency, requests)
  io.write(string.format(
    '\\nWRKJSON {"duration_us":%d,"requests":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\\n',
    summary.duration, summary.requests, summary.bytes, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`

let script
function luaScript () {
  if (!script) {
    script = join(mkdtempSync(join(tmpdir(), 'bench-wrk-')), 'summary.lua')
    writeFileSync(script, LUA)
  }
  return script
}

export function wrkVersion () {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'pipe' })
  } catch (err) {
    const out = String(err.stdout ?? '') + String(err.stderr ?? '')
    if (/wrk/.test(out)) return out.split('\n')[0].trim()
    return null
  }
  return 'wrk'
}

/** Runs wrk -t1 -c<connections> for `durationSeconds`; resolves with the same shape as the autocannon results. */
export function runWrk ({ url, headers = {}, connections, durationSeconds, core = 1 }) {
  const args = ['-t1', `-c${connections}`, `-d${durationSeconds}s`, '--timeout', '30s', '-s', luaScript()]
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`)
  args.push(url)
  const quoted = args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ')
  const sh = `taskset -c ${core} wrk ${quoted}; echo; echo "SHSTAT $(cat /proc/$$/stat)"`
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', sh], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`wrk failed: ${err.message}\n${stderr}`))
      const json = /WRKJSON (\{.*\})/.exec(stdout)
      const stat = /SHSTAT (.*)/.exec(stdout)
      if (!json) return reject(new Error(`wrk printed no summary:\n${stdout}\n${stderr}`))
      const s = JSON.parse(json[1])
      let cpu = NaN
      if (stat) {
        const f = stat[1].slice(stat[1].lastIndexOf(')') + 2).split(' ')
        cpu = (Number(f[13]) + Number(f[14])) / CLK_TCK // cutime, cstime (fields 16 and 17)
      }
      const wall = s.duration_us / 1e6
      resolve({
        tool: 'wrk',
        durationSeconds: wall,
        requests: s.requests,
        bytes: s.bytes,
        requestsPerSecond: s.requests / wall,
        bytesPerSecond: s.bytes / wall,
        latencyMs: { p50: s.p50_us / 1000, p99: s.p99_us / 1000, max: s.max_us / 1000 },
        errors: s.connect + s.read + s.write,
        timeouts: s.timeout,
        non2xx: s.status, // wrk counts statuses > 399 only
        statusCodes: null,
        cpuSeconds: cpu,
        cpuShare: cpu / wall
      })
    })
  })
}
