/**
 * Brute-force model of a topology, written independently of the trie: every prefix lives in one 128-bit
 * space where IPv4 a.b.c.d/n is ::ffff:a.b.c.d/(96+n), and every question is a scan over all prefixes.
 */

export interface RefPrefix {
  readonly words: readonly number[]
  readonly length: number
  readonly datacenter: string
}

export interface RefAnswer {
  readonly datacenter: string | undefined
  /** Unified (128-bit space) prefix length of the match. */
  readonly length: number | undefined
  readonly scope: number
}

export { prng } from '../../../test/support/prng.js'

export function unifiedWords(bytes: Uint8Array): number[] {
  const word = (i: number) =>
    ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0
  if (bytes.length === 4) return [0, 0, 0xffff, word(0)]
  return [word(0), word(4), word(8), word(12)]
}

/** Number of leading bits two 128-bit values share. */
export function commonPrefix(a: readonly number[], b: readonly number[]): number {
  for (let w = 0; w < 4; w++) {
    const x = (a[w]! ^ b[w]!) >>> 0
    if (x !== 0) return w * 32 + Math.clz32(x)
  }
  return 128
}

export class Reference {
  constructor(private readonly prefixes: readonly RefPrefix[]) {}

  /** Longest prefix containing the whole of address/source (source in unified bits). */
  private best(address: readonly number[], source: number): RefPrefix | undefined {
    let best: RefPrefix | undefined
    for (const p of this.prefixes) {
      if (p.length > source || commonPrefix(p.words, address) < p.length) continue
      if (best === undefined || p.length > best.length) best = p
    }
    return best
  }

  lookup(address: readonly number[]): RefAnswer {
    const best = this.best(address, 128)
    return { datacenter: best?.datacenter, length: best?.length, scope: 128 }
  }

  /**
   * The ECS rule, stated directly: the answer is the longest prefix containing the whole client subnet C.
   * If prefixes lie strictly inside C, scope is the shortest of them. Otherwise scope is the smallest S
   * (at least the answer's length) such that address/S contains no prefix longer than the answer; prefix Q
   * lies inside address/S exactly when S <= min(len Q, commonPrefix(Q, address)).
   */
  subnet(address: readonly number[], source: number): RefAnswer {
    const best = this.best(address, source)
    const bestLength = best?.length ?? 0
    let inside = Number.POSITIVE_INFINITY
    let reach = -1
    for (const q of this.prefixes) {
      if (q.length <= bestLength) continue
      const shared = Math.min(q.length, commonPrefix(q.words, address))
      if (q.length > source && shared >= source) inside = Math.min(inside, q.length)
      else reach = Math.max(reach, shared)
    }
    const scope = Number.isFinite(inside) ? inside : Math.max(bestLength, reach + 1)
    return { datacenter: best?.datacenter, length: best?.length, scope }
  }
}
