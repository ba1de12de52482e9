// The file cache's bounds and eviction order: least recently used first out, without reordering the
// entries in the newer half on every hit.
import t from 'tap'
import { FileCache, type CachedFile } from '../../lib/sources/file/file-cache.js'

function entry (name: string, bytes = 1): CachedFile {
  return {
    identity: { dev: 1n, ino: BigInt(name.length), size: BigInt(bytes), mtimeNs: 0n, ctimeNs: 0n },
    real: `/root/${name}`,
    data: Buffer.alloc(bytes),
    etag: `"${name}"`,
    lastModified: 0,
    filename: name
  }
}

/** A deterministic pseudo-random integer below n (mulberry32), so a failing mix can be replayed. */
function seeded (seed: number): (n: number) => number {
  return (n) => {
    seed = (seed + 0x6d2b79f5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    x ^= x + Math.imul(x ^ (x >>> 7), 61 | x)
    return ((x ^ (x >>> 14)) >>> 0) % n
  }
}

const keys = (cache: FileCache, names: string[]): string[] => names.filter((n) => {
  const before = cache.stats().hits
  const found = cache.get(n) !== undefined
  return found && cache.stats().hits === before + 1
})

t.test('FileCache: with two entries, a hit saves the entry from the next eviction', async (t) => {
  const cache = new FileCache({ maxFileSize: 10, maxBytes: 100, maxEntries: 2 })
  cache.set('a', entry('a'))
  cache.set('b', entry('b'))
  t.ok(cache.get('a'), 'a hit on a')
  cache.set('c', entry('c'))
  t.same(keys(cache, ['a', 'b', 'c']), ['a', 'c'], 'b, the least recently used, went out')
})

t.test('FileCache: bounded in bytes as in entries', async (t) => {
  const cache = new FileCache({ maxFileSize: 10, maxBytes: 10, maxEntries: 100 })
  cache.set('a', entry('a', 4))
  cache.set('b', entry('b', 4))
  cache.get('a')
  cache.set('c', entry('c', 4))
  t.equal(cache.stats().bytes, 8)
  t.same(keys(cache, ['a', 'b', 'c']), ['a', 'c'])
})

t.test('FileCache: an evicted entry was never among the most recently used half', async (t) => {
  // A deterministic pseudo-random mix of hits and inserts over more names than the cache holds,
  // checked against an exact recency list. Evictions are seen through the descriptor an entry
  // retires when it leaves, so observing them does not touch the order.
  const random = seeded(42)
  const max = 16
  const cache = new FileCache({ maxFileSize: 10, maxBytes: 1000, maxEntries: max })
  let recency: string[] = [] // names in the cache, most recently used last
  const touch = (name: string): void => { recency = recency.filter((n) => n !== name).concat(name) }
  const evicted: string[] = []
  const wrong: string[] = []
  let hits = 0
  let evictions = 0
  for (let i = 0; i < 5000; i++) {
    const name = `f${random(40)}`
    if (recency.includes(name)) {
      if (cache.get(name) === undefined) wrong.push(`${name} not found`)
      touch(name)
      hits++
      continue
    }
    const newest = new Set(recency.slice(-(max >> 1)))
    const e = entry(name)
    e.file = { fd: -1, ref: () => {}, unref: () => {}, retire: () => { evicted.push(name) } }
    evicted.length = 0
    cache.set(name, e)
    touch(name)
    for (const gone of evicted) {
      if (newest.has(gone)) wrong.push(`${gone} evicted while one of the ${max >> 1} most recently used`)
      recency = recency.filter((n) => n !== gone)
      evictions++
    }
    if (cache.stats().entries !== recency.length) wrong.push(`${cache.stats().entries} entries, expected ${recency.length}`)
  }
  t.same(wrong, [], 'no entry lost, none of the newer half evicted')
  t.ok(evictions > 500, `evictions happened (${evictions})`)
  t.equal(cache.stats().entries, max, 'full')
  t.ok(hits > 1000, `hits happened (${hits})`)
})

t.test('FileCache: with up to three entries it is exact LRU, the newest entry left where it is', async (t) => {
  // Here the newer half is at most one entry, so a hit moves the entry unless it is the newest; an
  // entry the cache wrongly took for the newest would stay in place and be evicted too early.
  for (const max of [1, 2, 3]) {
    const random = seeded(max)
    const cache = new FileCache({ maxFileSize: 10, maxBytes: 1000, maxEntries: max })
    let recency: string[] = []
    const touch = (name: string): void => { recency = recency.filter((n) => n !== name).concat(name) }
    const wrong: string[] = []
    const evicted: string[] = []
    let evictions = 0
    for (let i = 0; i < 2000; i++) {
      const name = `f${random(max + 2)}`
      if (recency.includes(name)) {
        // Repeated hits on the newest entry are the case the short cut skips.
        const times = 1 + random(3)
        for (let k = 0; k < times; k++) if (cache.get(name) === undefined) wrong.push(`${name} not found`)
        touch(name)
        continue
      }
      evicted.length = 0
      const e = entry(name)
      e.file = { fd: -1, ref: () => {}, unref: () => {}, retire: () => { evicted.push(name) } }
      const expected = recency.length === max ? [recency[0]] : []
      cache.set(name, e)
      touch(name)
      if (evicted.join() !== expected.join()) wrong.push(`max ${max}: evicted [${evicted}], expected [${expected}]`)
      recency = recency.filter((n) => !evicted.includes(n))
      evictions += evicted.length
    }
    t.same(wrong, [], `max ${max}: every eviction took the least recently used entry`)
    t.ok(evictions > 200, `max ${max}: evictions happened (${evictions})`)
  }
})
