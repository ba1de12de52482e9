import { executionAsyncResource } from 'node:async_hooks'

// One batch of process.nextTick calls, timed until the last has run: ns per call. Shared by the warm-up
// (harness/warm-ticks.js), the servers' SIGUSR2 probe (servers/common.js) and tick-modes.js.
export function tickBatch (n) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < n; i++) process.nextTick(noop)
    setImmediate(() => resolve(Number(process.hrtime.bigint() - t0) / n))
  })
}

function noop () {}

/**
 * A tick object of this process, for the caller to keep: while one is alive, a full collection cannot
 * free the maps nextTick's literal needs, and nextTick keeps its fast speed (README, "Two speeds").
 */
export function tickObject () {
  // Inside a nextTick callback the execution resource is the tick object itself.
  return new Promise((resolve) => process.nextTick(() => resolve(executionAsyncResource())))
}
