// Preloaded into every Node server by run.js (by default) and probe.js --warm-ticks (node --import): keeps
// process.nextTick at its fast speed for the life of the process. nextTick builds each tick object from a
// literal with computed symbol keys, which V8 defines through an inline cache that has no polymorphic
// state. When no tick object is alive, a full collection frees the maps of that literal's transition
// chain; the next tick object gets new maps, the cache goes megamorphic, and from then on every nextTick
// runs V8's runtime (DefineKeyedOwnPropertyInLiteral): about 40 ns a call becomes over 200. One full
// collection at start-up, or one later while a server is between requests, is enough. Holding one tick
// object keeps its maps, and so the cache, alive. A property of Node 20 and 22, not of any contender:
// without it each server runs at whichever speed its start-up and its idle moments left it
// (README, "Two speeds of process.nextTick").
import { tickBatch, tickObject } from './ticks.js'

globalThis.__benchmarksKeptTick = await tickObject()
for (let round = 0; round < 4; round++) await tickBatch(2_000)
