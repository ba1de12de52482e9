// Preloaded into every Node server (node --import) by run.js and instructions.js, to take one source of
// noise out of the figures: it keeps one process.nextTick tick object alive. Without one, a full garbage
// collection that finds none alive puts nextTick on a slow path in Node 20 and 22 for the rest of the
// process, at random from one process to the next; fresh servers then counted 40-55% more instructions
// per cached 1 KiB or 304 response than their twins (benchmarks/README.md, "Instructions per request").
import { executionAsyncResource } from 'node:async_hooks'

// Inside a nextTick callback the execution resource is the tick object itself.
globalThis.__benchmarksHeldTick = await new Promise((resolve) => process.nextTick(() => resolve(executionAsyncResource())))
