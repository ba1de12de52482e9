// The bounded memo behind per-request header and path work: each key computed once, never an error kept.
import t from 'tap'
import { memoize } from '../../lib/memo.js'

function counted<K, V> (fn: (key: K) => V): { fn: (key: K) => V, calls: () => number } {
  let calls = 0
  return { fn: (key: K) => { calls++; return fn(key) }, calls: () => calls }
}

t.test('memoize: a repeated key is computed once', async (t) => {
  const inner = counted((s: string) => s.toUpperCase())
  const memo = memoize(inner.fn)
  t.equal(memo('a'), 'A')
  t.equal(memo('a'), 'A')
  t.equal(memo('b'), 'B')
  t.equal(inner.calls(), 2)
})

t.test('memoize: when full it starts over, so memory stays bounded', async (t) => {
  const inner = counted((n: number) => n * 2)
  const memo = memoize(inner.fn, 3)
  for (const n of [1, 2, 3]) memo(n)
  t.equal(inner.calls(), 3)
  memo(4) // full: the memo is emptied and holds 4 only
  memo(1)
  t.equal(inner.calls(), 5, 'a key from before the reset is computed again')
  memo(4)
  t.equal(inner.calls(), 5, 'the key that started the new memo is kept')
})

t.test('memoize: keys that are not cacheable are computed every time', async (t) => {
  const inner = counted((s: string) => s.length)
  const memo = memoize(inner.fn, 1024, (s) => s.length <= 4)
  memo('long name'); memo('long name')
  t.equal(inner.calls(), 2, 'a long key is never kept')
  memo('abc'); memo('abc')
  t.equal(inner.calls(), 3, 'a short one is')
})

t.test('memoize: a key whose function throws is not kept and throws again', async (t) => {
  const inner = counted((s: string) => {
    if (s.includes('..')) throw new Error('forbidden')
    return s
  })
  const memo = memoize(inner.fn)
  t.throws(() => memo('../etc/passwd'), /forbidden/)
  t.throws(() => memo('../etc/passwd'), /forbidden/)
  t.equal(inner.calls(), 2)
})

t.test('shortString: keys up to 255 characters are kept, longer ones computed each time', async (t) => {
  const { shortString } = await import('../../lib/memo.js')
  t.equal(shortString('a'.repeat(255)), true)
  t.equal(shortString('a'.repeat(256)), false)
  let calls = 0
  const memo = memoize((key: string) => { calls++; return key.length }, 8, shortString)
  memo('b'.repeat(300))
  memo('b'.repeat(300))
  t.equal(calls, 2, 'a long key is not kept')
})
