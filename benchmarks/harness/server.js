// Starting and stopping one contender: pinned to a core, on its own port, ready when it serves a file
// (or its readyPath).
import { spawn } from 'node:child_process'
import http from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { processTree } from './proc.js'

export function httpGet (port, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let length = 0
      res.on('data', (c) => { length += c.length })
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, length }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.setTimeout(30_000, () => req.destroy(new Error('probe timed out')))
  })
}

/** Node flags that preload harness/hold-tick.js, given to every Node server. */
export const HOLD_TICK = ['--import', fileURLToPath(new URL('./hold-tick.js', import.meta.url))]

export async function startServer ({ contender, port, filesDir, cwd, core, nodeFlags = [] }) {
  const [program, ...args] = contender.command
  const argv = contender.runtime === 'node' ? [program, ...HOLD_TICK, ...nodeFlags, ...args] : [program, ...args]
  const child = spawn('taskset', ['-c', String(core), ...argv, filesDir, String(port)], {
    cwd,
    env: { ...process.env, ...contender.env, FILES_DIR: filesDir, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  const keep = (chunk) => { output = (output + chunk).slice(-4000) }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  let exited = null
  child.on('exit', (code, signal) => { exited = { code, signal } })

  const deadline = Date.now() + 30_000
  for (;;) {
    if (exited) throw new Error(`${contender.id} exited (${JSON.stringify(exited)}):\n${output}`)
    try {
      const r = await httpGet(port, contender.readyPath ?? '/files/1k.bin')
      if (r.status === 200) break
    } catch {}
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${contender.id} not ready on port ${port} after 30 s:\n${output}`)
    }
    await sleep(100)
  }
  await sleep(200) // let nginx's worker settle before listing the process tree
  return {
    child,
    pid: child.pid,
    pids: processTree(child.pid),
    output: () => output,
    async stop () {
      if (exited) return
      const done = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await done
      clearTimeout(timer)
    }
  }
}
