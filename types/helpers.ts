// Type-test helpers: nothing here runs; a wrong type is a compile error.

/** True when A and B are the same type (not just mutually assignable through any). */
export type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false

/** Compiles only when its argument is `true`. */
export function assert<T extends true> (): T | undefined {
  return undefined
}

/** Compiles only when `value` is assignable to T. */
export function expectType<T> (value: T): T {
  return value
}

/** Compiles only when T is exactly the type of `value`. */
export function expectExactType<T> () {
  return <V>(value: V & (Equal<T, V> extends true ? unknown : never)): V => value
}
