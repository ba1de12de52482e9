// One batch of process.nextTick calls, timed until the last has run: ns per call. Shared by the warm-up
// (harness/warm-ticks.js) and the servers' SIGUSR2 probe (servers/common.js).
export function tickBatch (n) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < n; i++) process.nextTick(noop)
    setImmediate(() => resolve(Number(process.hrtime.bigint() - t0) / n))
  })
}

function noop () {}
