// What a process costs, read from /proc: CPU ticks (utime+stime) and resident memory, summed over the
// process and its children (nginx's worker lives under its master).
import { readFileSync, readdirSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { cpus } from 'node:os'

export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100

function statFields (pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name may hold spaces: fields start after the last ')'.
  return text.slice(text.lastIndexOf(')') + 2).split(' ')
}

/** Pids of `pid` and its direct children (enough for nginx master+worker and sh -> exec'd programs). */
export function processTree (pid) {
  const pids = [pid]
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (Number(statFields(entry)[1]) === pid) pids.push(Number(entry))
    } catch {}
  }
  return pids
}

/** CPU seconds (user+system) used so far by the given pids. */
export function cpuSeconds (pids) {
  let ticks = 0
  for (const pid of pids) {
    try {
      const f = statFields(pid)
      ticks += Number(f[11]) + Number(f[12]) // utime, stime (fields 14 and 15)
    } catch {}
  }
  return ticks / CLK_TCK
}

function statusKiB (pid, key) {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : 0
  } catch {
    return 0
  }
}

/**
 * Waits until the given processes have been idle for a whole window (at most `maxShare` of a core), so a
 * server still draining the last cell's responses (uvicorn goes on writing 100 MiB bodies for seconds after
 * its clients left) does not share the server core with the next cell. Returns the seconds waited, and
 * whether it gave up (the table marks such a cell as suspect).
 */
export async function settle (pids, { windowMs = 500, maxShare = 0.03, timeoutMs = 60_000 } = {}) {
  const start = Date.now()
  let before = cpuSeconds(pids)
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, windowMs))
    const now = cpuSeconds(pids)
    const waited = (Date.now() - start) / 1000
    if (now - before <= maxShare * windowMs / 1000) return { seconds: waited, timedOut: false }
    if (waited * 1000 >= timeoutMs) return { seconds: waited, timedOut: true }
    before = now
  }
}

/** Resident set size now, in bytes, summed over pids. */
export function rssBytes (pids) {
  return pids.reduce((sum, pid) => sum + statusKiB(pid, 'VmRSS') * 1024, 0)
}

/** Peak resident set size over each process's life (VmHWM), in bytes, summed over pids. */
export function hwmBytes (pids) {
  return pids.reduce((sum, pid) => sum + statusKiB(pid, 'VmHWM') * 1024, 0)
}

/** Polls VmRSS every `everyMs` until stop(); returns the peak and the first sample. */
export function sampleRss (pids, everyMs = 50) {
  const first = rssBytes(pids)
  let peak = first
  const timer = setInterval(() => { peak = Math.max(peak, rssBytes(pids)) }, everyMs)
  return {
    stop () {
      clearInterval(timer)
      peak = Math.max(peak, rssBytes(pids))
      return { first, peak }
    }
  }
}

export function machine () {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8')
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown'
  const meminfo = readFileSync('/proc/meminfo', 'utf8')
  const memKiB = Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0)
  let kernel = 'unknown'
  try { kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim() } catch {}
  return {
    nproc: cpus().length,
    cpuModel: model,
    memoryGiB: Math.round(memKiB / 1024 / 1024),
    kernel
  }
}

/** CPU seconds the whole machine spent busy (all cores, excluding idle and iowait), from /proc/stat. */
export function machineBusySeconds () {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  const [user, nice, system, , , irq, softirq, steal] = line
  return (user + nice + system + irq + softirq + steal) / CLK_TCK
}

export function loadAverage () {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number)
}
