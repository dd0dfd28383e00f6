/**
 * Longest-prefix-match trie over 32-bit (IPv4, one word) or 128-bit (IPv6, four words) keys.
 *
 * Why a path-compressed binary trie (PATRICIA with stored prefixes) rather than a stride/expansion trie:
 * - every node is a real prefix or a branch point, so n prefixes make at most 2n nodes; each step is one
 *   XOR and mask on an Int32Array; no allocation per lookup;
 * - build is O(n·W) with no prefix expansion, so memory and build time stay linear in the table size
 *   whatever the prefix lengths (in a 16-8-8 stride table a /9 expands to 128 slots and every /17-/24
 *   forces a 256-slot chunk);
 * - the exact tree shape is what the EDNS Client Subnet scope needs: where the client's path leaves the
 *   trie is exactly where the answer can first change (see {@link PrefixTrie.subnet}).
 * Its weakness is depth: ~20 dependent, cache-missing reads for 100k random IPv4 prefixes. So large IPv4
 * tries get one stride level on top, a 2^16-slot index by the top 16 bits (see buildIndex), which leaves a
 * few nodes per lookup. IPv6 gets none: real IPv6 tables share their top bits, so such a level would not
 * spread them. Nodes live in parallel typed arrays (struct of arrays): a few flat buffers for the GC.
 */

const NO_VALUE = -1
/** `minLen` of a subtree without any prefix. */
const NONE = 255
/** The IPv4 first-level index covers the top 16 bits... */
const INDEX_BITS = 16
/** ...and is built only for tries big enough to pay for its 512 KiB. */
const INDEX_MIN_NODES = 1024

export class PrefixTrie {
  readonly words: 1 | 4
  readonly bits: 32 | 128
  /** Node count; node 0 is the root (/0) and is never anyone's child, so 0 also means "no child". */
  private size = 1
  private key: Int32Array
  private len: Uint8Array
  private left: Int32Array
  private right: Int32Array
  private value: Int32Array
  /** Shortest prefix length with a value in each node's subtree (node included); filled by seal(). */
  private minLen: Uint8Array = new Uint8Array(0)
  private indexStart: Int32Array | undefined
  private indexBest: Int32Array | undefined
  private indexResume: Int32Array | undefined
  private indexResumeScope: Uint8Array | undefined
  /** Scope of the last {@link subnet} call (kept here so the hot path allocates nothing). */
  scope = 0

  constructor(words: 1 | 4, capacity = 64) {
    this.words = words
    this.bits = words === 1 ? 32 : 128
    this.key = new Int32Array(capacity * words)
    this.len = new Uint8Array(capacity)
    this.left = new Int32Array(capacity)
    this.right = new Int32Array(capacity)
    this.value = new Int32Array(capacity).fill(NO_VALUE)
  }

  /** Shortest prefix length stored anywhere in the trie, or 255 when empty. Valid after seal(). */
  get shortestPrefix(): number {
    return this.minLen[0] ?? NONE
  }

  private grow(): void {
    const capacity = this.len.length * 2
    const key = new Int32Array(capacity * this.words)
    key.set(this.key)
    this.key = key
    const len = new Uint8Array(capacity)
    len.set(this.len)
    this.len = len
    const left = new Int32Array(capacity)
    left.set(this.left)
    this.left = left
    const right = new Int32Array(capacity)
    right.set(this.right)
    this.right = right
    const value = new Int32Array(capacity).fill(NO_VALUE)
    value.set(this.value)
    this.value = value
  }

  private alloc(k: ArrayLike<number>, length: number, value: number): number {
    if (this.size === this.len.length) this.grow()
    const node = this.size++
    const base = node * this.words
    for (let w = 0; w < this.words; w++) {
      const keep = length - w * 32
      const mask = keep >= 32 ? -1 : keep <= 0 ? 0 : -1 << (32 - keep)
      this.key[base + w] = k[w]! & mask
    }
    this.len[node] = length
    this.value[node] = value
    return node
  }

  private nodeBit(node: number, i: number): number {
    return (this.key[node * this.words + (i >>> 5)]! >>> (31 - (i & 31))) & 1
  }

  /** First bit in [from, upto) where `k` and node's key differ, or `upto`. */
  private firstDiff(k: ArrayLike<number>, node: number, from: number, upto: number): number {
    const base = node * this.words
    for (let w = from >>> 5; w * 32 < upto; w++) {
      let x = k[w]! ^ this.key[base + w]!
      if (w === from >>> 5 && (from & 31) !== 0) x &= -1 >>> (from & 31)
      if (x !== 0) {
        const d = w * 32 + Math.clz32(x)
        return Math.min(d, upto)
      }
    }
    return upto
  }

  /**
   * Stores `value` for prefix `k/length` (`k` as big-endian 32-bit words, bits after `length` ignored).
   * Returns the value already stored for exactly that prefix (and keeps it), or -1 when it was new.
   */
  insert(k: ArrayLike<number>, length: number, value: number): number {
    let node = 0
    for (;;) {
      const nodeLength = this.len[node]!
      if (nodeLength === length) {
        const previous = this.value[node]!
        if (previous < 0) this.value[node] = value
        return previous
      }
      const bit = (k[nodeLength >>> 5]! >>> (31 - (nodeLength & 31))) & 1
      const child = bit ? this.right[node]! : this.left[node]!
      if (child === 0) {
        const leaf = this.alloc(k, length, value)
        if (bit) this.right[node] = leaf
        else this.left[node] = leaf
        return NO_VALUE
      }
      const childLength = this.len[child]!
      const d = this.firstDiff(k, child, nodeLength + 1, Math.min(childLength, length))
      if (d === childLength) {
        node = child
        continue
      }
      let inserted: number
      if (d === length) {
        inserted = this.alloc(k, length, value)
        if (this.nodeBit(child, length)) this.right[inserted] = child
        else this.left[inserted] = child
      } else {
        inserted = this.alloc(k, d, NO_VALUE)
        const leaf = this.alloc(k, length, value)
        if ((k[d >>> 5]! >>> (31 - (d & 31))) & 1) {
          this.right[inserted] = leaf
          this.left[inserted] = child
        } else {
          this.left[inserted] = leaf
          this.right[inserted] = child
        }
      }
      if (bit) this.right[node] = inserted
      else this.left[node] = inserted
      return NO_VALUE
    }
  }

  /**
   * Ends building: trims the buffers, computes per-subtree shortest prefix lengths and, for large IPv4
   * tries, the first-level index. `rootFallback` is the value for the whole space when no /0 was inserted
   * (it does not count as a prefix for {@link shortestPrefix}).
   */
  seal(rootFallback = NO_VALUE): void {
    const n = this.size
    this.key = this.key.slice(0, n * this.words)
    this.len = this.len.slice(0, n)
    this.left = this.left.slice(0, n)
    this.right = this.right.slice(0, n)
    this.value = this.value.slice(0, n)
    const order = new Int32Array(n)
    const stack = [0]
    let count = 0
    while (stack.length > 0) {
      const node = stack.pop()!
      order[count++] = node
      if (this.left[node]) stack.push(this.left[node]!)
      if (this.right[node]) stack.push(this.right[node]!)
    }
    const minLen = new Uint8Array(n).fill(NONE)
    for (let i = count - 1; i >= 0; i--) {
      const node = order[i]!
      if (this.value[node]! >= 0) minLen[node] = this.len[node]!
      else {
        const l = this.left[node]!
        const r = this.right[node]!
        minLen[node] = Math.min(l ? minLen[l]! : NONE, r ? minLen[r]! : NONE)
      }
    }
    this.minLen = minLen
    if (this.value[0]! < 0) this.value[0] = rootFallback
    if (this.words === 1 && n >= INDEX_MIN_NODES) this.buildIndex()
  }

  /**
   * First level of the IPv4 lookup: for each /16, the best value among prefixes of length < 16 that cover
   * it and the first node of length >= 16 inside it. Random lookups then touch two table slots and a
   * short path below (a few nodes) instead of ~20 scattered nodes from the root: an expansion by 2^16
   * slots at the top only, where it is cheap, with path compression below.
   */
  private buildIndex(): void {
    const slots = 1 << INDEX_BITS
    const start = new Int32Array(slots)
    const best = new Int32Array(slots).fill(this.value[0]!)
    // For subnet(): the deepest node shorter than /16 on each slot's path and the walk's scope on arriving
    // there; a walk for a source of /16 or longer resumes from it (everything above depends only on the slot).
    const resume = new Int32Array(slots)
    const resumeScope = new Uint8Array(slots)
    const stack: number[] = [0, 0]
    while (stack.length > 0) {
      const scope = stack.pop()!
      const node = stack.pop()!
      const l = this.left[node]!
      const r = this.right[node]!
      const childScope = l !== 0 && r !== 0 ? Math.max(scope, this.len[node]! + 1) : scope
      for (const child of [l, r]) {
        if (child === 0) continue
        const childLength = this.len[child]!
        const slot = this.key[child]! >>> (32 - INDEX_BITS)
        if (childLength >= INDEX_BITS) {
          start[slot] = child
          continue
        }
        const end = slot + (1 << (INDEX_BITS - childLength))
        const v = this.value[child]!
        if (v >= 0) best.fill(v, slot, end)
        const arrival = v >= 0 ? childLength : childScope
        resume.fill(child, slot, end)
        resumeScope.fill(arrival, slot, end)
        stack.push(child, arrival)
      }
    }
    this.indexStart = start
    this.indexBest = best
    this.indexResume = resume
    this.indexResumeScope = resumeScope
  }

  /** Longest match for an IPv4 address given as a 32-bit integer (one-word tries only). */
  lookup32(k: number): number {
    const key = this.key
    const len = this.len
    const left = this.left
    const right = this.right
    const values = this.value
    let best: number
    let node: number
    let nodeLength: number
    const start = this.indexStart
    if (start === undefined) {
      best = values[0]!
      node = 0
      nodeLength = 0
    } else {
      const slot = k >>> (32 - INDEX_BITS)
      best = this.indexBest![slot]!
      node = start[slot]!
      if (node === 0) return best
      nodeLength = len[node]!
      if (((k ^ key[node]!) & (-1 << (32 - nodeLength))) !== 0) return best
      if (values[node]! >= 0) best = values[node]!
    }
    while (nodeLength < 32) {
      const child = k << nodeLength < 0 ? right[node]! : left[node]!
      if (child === 0) break
      const childLength = len[child]!
      if (((k ^ key[child]!) & (-1 << (32 - childLength))) !== 0) break
      const v = values[child]!
      if (v >= 0) best = v
      node = child
      nodeLength = childLength
    }
    return best
  }

  /** Longest match for a full-length key given as `words` big-endian 32-bit words. */
  lookup(k: ArrayLike<number>): number {
    const len = this.len
    const values = this.value
    let best = values[0]!
    let node = 0
    let nodeLength = 0
    while (nodeLength < this.bits) {
      const child =
        (k[nodeLength >>> 5]! >>> (31 - (nodeLength & 31))) & 1 ? this.right[node]! : this.left[node]!
      if (child === 0) break
      const childLength = len[child]!
      if (this.firstDiff(k, child, nodeLength, childLength) !== childLength) break
      const v = values[child]!
      if (v >= 0) best = v
      node = child
      nodeLength = childLength
    }
    return best
  }

  /**
   * EDNS Client Subnet lookup for the client subnet `k/source`. Returns the value of the longest prefix
   * that contains the WHOLE subnet (length <= source), or -1, and leaves in {@link scope} the shortest
   * prefix length S for which that answer is right for every address in k/S:
   * - S <= source: no stored prefix longer than the answer's lies inside k/S. The walk finds it where
   *   the client's path leaves the trie: each branch hanging off the path below the answer forces S past
   *   the bit where it branches off; a child that diverges inside its compressed run forces S past that bit.
   * - S > source: a stored prefix lies strictly inside the client subnet, so addresses in it get different
   *   answers; S is the shortest such prefix length, telling the resolver how specific to ask next time
   *   (RFC 7871 §7.2.1: a SCOPE longer than SOURCE says the source was not specific enough).
   */
  subnet(k: ArrayLike<number>, source: number): number {
    const len = this.len
    const values = this.value
    let best = values[0]!
    let scope = 0
    let node = 0
    const resume = this.indexResume
    if (resume !== undefined && source >= INDEX_BITS) {
      const slot = k[0]! >>> (32 - INDEX_BITS)
      node = resume[slot]!
      best = this.indexBest![slot]!
      scope = this.indexResumeScope![slot]!
    }
    for (;;) {
      const nodeLength = len[node]!
      const l = this.left[node]!
      const r = this.right[node]!
      if (nodeLength === source) {
        const inside = Math.min(l ? this.minLen[l]! : NONE, r ? this.minLen[r]! : NONE)
        this.scope = inside === NONE ? scope : inside
        return best
      }
      const bit = (k[nodeLength >>> 5]! >>> (31 - (nodeLength & 31))) & 1
      const child = bit ? r : l
      if ((bit ? l : r) !== 0 && scope < nodeLength + 1) scope = nodeLength + 1
      if (child === 0) break
      const childLength = len[child]!
      const upto = Math.min(childLength, source)
      const d = this.firstDiff(k, child, nodeLength + 1, upto)
      if (d < upto) {
        if (scope < d + 1) scope = d + 1
        break
      }
      if (childLength > source) {
        this.scope = this.minLen[child]!
        return best
      }
      node = child
      if (values[child]! >= 0) {
        best = values[child]!
        scope = childLength
      }
    }
    this.scope = scope
    return best
  }
}
