/**
 * A value now, or a promise of it. The steps of a download return a promise only when they must wait (a
 * file opened, a stream's first byte): a cached file or a buffer is answered without one, since every
 * promise is a tick and an allocation on the hot path.
 */
export type Later<T> = T | Promise<T>

/**
 * Runs `next` on the value: at once when it is here, when it arrives when it is a promise.
 *
 * @example
 * after(statNow(path), (stats) => fromCache(entry, stats)) // no promise when statNow() answered synchronously
 */
export function after<T, U> (value: Later<T>, next: (value: T) => Later<U>): Later<U> {
  return value instanceof Promise ? value.then(next) : next(value)
}
