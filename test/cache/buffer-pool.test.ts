// The read-buffer pool behind direct file bodies: sizes by read length, reuse, and a bound on what it keeps.
import t from 'tap'
import { BufferPool } from '../../lib/sources/file/buffer-pool.js'

t.test('a read up to the small size takes a small buffer, a longer one a large buffer', async (t) => {
  const pool = new BufferPool(16, 64, 4)
  t.equal(pool.take(1).length, 16)
  t.equal(pool.take(16).length, 16)
  t.equal(pool.take(17).length, 64)
  t.equal(pool.take(64).length, 64)
})

t.test('a buffer given back is the one the next read of its size gets', async (t) => {
  const pool = new BufferPool(16, 64, 4)
  const small = pool.take(10)
  const large = pool.take(40)
  pool.give(small)
  pool.give(large)
  t.same(pool.kept, { small: 1, large: 1 })
  t.equal(pool.take(40), large, 'large reused')
  t.equal(pool.take(5), small, 'small reused')
  t.same(pool.kept, { small: 0, large: 0 })
  t.not(pool.take(5), small, 'an empty pool allocates')
})

t.test('it keeps at most `keep` buffers of each size', async (t) => {
  const pool = new BufferPool(16, 64, 2)
  for (let i = 0; i < 5; i++) pool.give(Buffer.allocUnsafeSlow(16))
  for (let i = 0; i < 5; i++) pool.give(Buffer.allocUnsafeSlow(64))
  t.same(pool.kept, { small: 2, large: 2 })
})

t.test('it keeps no buffer of another size and no view into shared memory', async (t) => {
  const pool = new BufferPool(16, 64, 2)
  pool.give(Buffer.allocUnsafeSlow(32))
  pool.give(Buffer.allocUnsafeSlow(64).subarray(0, 16))
  pool.give(Buffer.allocUnsafeSlow(128).subarray(64))
  pool.give(Buffer.allocUnsafe(16)) // a slice of Node's shared 8 KiB pool
  t.same(pool.kept, { small: 0, large: 0 })
  pool.give(Buffer.alloc(16)) // its own memory, of the small size
  t.same(pool.kept, { small: 1, large: 0 })
})
