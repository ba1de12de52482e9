// Preloaded into every Node server by run.js/probe.js --warm-ticks (node --import): runs process.nextTick
// 8,000 times before the server loads anything. A server process runs nextTick at about 40 ns or at over
// 200 ns, depending on its start-up, and once slow it stays slow. In the slow ones perf shows each call in
// V8's runtime (DefineKeyedOwnPropertyInLiteral: nextTick's tick object has computed symbol keys), and
// three forced full collections after a few nextTicks at start-up are enough to make a bare server slow.
// Once nextTick is hot, later loading and wrk load on any one scenario did not make it slow; a whole
// run.js run still can. A property of Node, not of any contender: warming every server alike compares
// them at one speed (README, "Two speeds of process.nextTick").
import { tickBatch } from './ticks.js'

for (let round = 0; round < 4; round++) await tickBatch(2_000)
