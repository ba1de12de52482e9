// What puts a Node process into the slow process.nextTick mode, with nothing but Node: fresh processes
// that call nextTick 50 times, run one full collection while no tick object is alive, and then time
// nextTick; the same again while one tick object is held. README, "Two speeds of process.nextTick".
//
//   node benchmarks/tick-modes.js [--processes 4] [--node 22]
import { execFileSync } from 'node:child_process'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import { nodeBinary, nodeVersion } from './harness/node.js'

const { values: args } = parseArgs({
  options: {
    processes: { type: 'string', default: '4' },
    node: { type: 'string' },
    child: { type: 'string' } // internal: one measurement in this process
  }
})

if (args.child !== undefined) {
  const { tickBatch, tickObject } = await import('./harness/ticks.js')
  const held = args.child === 'hold' ? await tickObject() : null
  const gc = args.child !== 'none'
  for (let i = 0; i < 50; i++) await new Promise((resolve) => process.nextTick(resolve))
  if (gc) globalThis.gc()
  let best = Infinity
  for (let batch = 0; batch < 40; batch++) best = Math.min(best, await tickBatch(10_000))
  process.stdout.write(`${best.toFixed(0)}${held === null ? '' : ` (held: ${Object.keys(held).join(', ')})`}`)
} else {
  const node = nodeBinary(args.node)
  const self = fileURLToPath(import.meta.url)
  const cases = [
    ['none', '50 nextTicks, no collection'],
    ['gc', '50 nextTicks, then one full collection (gc())'],
    ['hold', 'the same, holding one tick object']
  ]
  console.log(`Node ${nodeVersion(node)}: ns per process.nextTick (best of 40 batches of 10,000), one fresh process each`)
  for (const [mode, label] of cases) {
    const figures = []
    for (let p = 0; p < Number(args.processes); p++) {
      figures.push(execFileSync(node, ['--expose-gc', self, '--child', mode]).toString())
    }
    console.log(`${label}: ${figures.join(', ')}`)
  }
}
