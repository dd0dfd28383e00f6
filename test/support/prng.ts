// A local alias: under jest every global lookup (Math, ...) crosses a vm-context interceptor and is ~20x slower,
// which the 200,000-packet fuzz runs feel.
const { imul } = Math

/** Seeded PRNG (mulberry32): a fuzz or randomized test reproduces from its seed. Returns floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = imul(t ^ (t >>> 15), t | 1)
    t ^= t + imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
