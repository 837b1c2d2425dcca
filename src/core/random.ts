// The one seeded PRNG of the demo city, the demo registry, the fake people and the bulk generator:
// the same seed gives the same data on every platform and Node version, which Math.random cannot.

/** A stream of numbers in [0, 1). */
export type Random = () => number

/** mulberry32: tiny, fast and good enough for believable test data (not for anything secret). */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** One element of `xs` (an array or the characters of a string), each equally likely. */
export function pick<T>(rng: Random, xs: ArrayLike<T>): T {
  return xs[Math.floor(rng() * xs.length)]!
}

/** An integer from `lo` to `hi`, both included. */
export function between(rng: Random, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1))
}
