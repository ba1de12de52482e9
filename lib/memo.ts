/**
 * A bounded memo for pure string functions whose inputs repeat (file names, dates): the same few
 * files are downloaded again and again, so their headers are formatted once. When full it starts over,
 * which costs one recomputation per key and keeps memory bounded without bookkeeping per hit.
 * `cacheable` keeps keys out that would make the memo large (long strings a client chose).
 */
export function memoize<K, V> (fn: (key: K) => V, max = 1024, cacheable: (key: K) => boolean = () => true): (key: K) => V {
  let memo = new Map<K, V>()
  return (key: K): V => {
    if (!cacheable(key)) return fn(key)
    let value = memo.get(key)
    if (value === undefined) {
      value = fn(key)
      if (memo.size >= max) memo = new Map()
      memo.set(key, value)
    }
    return value
  }
}

/** The `cacheable` of memos keyed by what a client sends: a name or path longer than a file name may be is not kept. */
export const shortString = (key: string): boolean => key.length <= 255
