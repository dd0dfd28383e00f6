// Statistics shared by the benchmarks that run interleaved rounds (../shared/reference/benchmarking.md): the median
// of a sample and a fresh random order of the subjects for each round.

/** The median (the mean of the two middle values for an even count); does not reorder `values`. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** A copy of `items` in a random order (Fisher–Yates); `random` may be a seeded source (`seededRandom`). */
export function shuffle(items, random = Math.random) {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j], copy[i]]
  }
  return copy
}

/** A seeded pseudo-random source in [0, 1) (mulberry32): the same inputs in every run and on every machine. */
export function seededRandom(seed) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
