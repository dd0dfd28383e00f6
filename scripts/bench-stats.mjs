// Statistics shared by the benchmarks that run interleaved rounds (../shared/reference/benchmarking.md): the median
// of a sample and a fresh random order of the subjects for each round.

/** The median (the mean of the two middle values for an even count); does not reorder `values`. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** A copy of `items` in a random order (Fisher–Yates). */
export function shuffle(items) {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j], copy[i]]
  }
  return copy
}
