// The runner's side of harness/loadgen.js: starts it (pinned to `core`, or wherever the kernel puts it when
// null) and sends it one job at a time over IPC; `onStart` runs when the measured run begins (after warm-up).
import { spawn } from 'node:child_process'
import { BENCH_DIR } from './contenders.js'

export function startLoadgen (core) {
  const command = [process.execPath, 'harness/loadgen.js']
  const child = core === null
    ? spawn(command[0], command.slice(1), { cwd: BENCH_DIR, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    : spawn('taskset', ['-c', String(core), ...command], { cwd: BENCH_DIR, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const waiting = new Map()
  let ready
  const isReady = new Promise((resolve) => { ready = resolve })
  child.on('message', (m) => {
    if (m.type === 'ready') return ready()
    const w = waiting.get(m.id)
    if (!w) return
    if (m.type === 'measure-start') w.onStart?.()
    if (m.type === 'result') {
      waiting.delete(m.id)
      if (m.error) w.reject(new Error(m.error))
      else w.resolve(m.result)
    }
  })
  child.on('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`load generator exited with ${code}`))
  })
  let next = 0
  return {
    isReady,
    run (job, onStart) {
      const id = ++next
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject, onStart })
        child.send({ ...job, id })
      })
    },
    stop () { if (child.connected) child.send({ type: 'exit' }) }
  }
}
