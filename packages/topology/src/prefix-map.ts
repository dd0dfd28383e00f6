import { ipv4ToUint32, isIPv4Mapped, parseAddress, parseIPv6Into } from './address.js'
import type { Cidr } from './cidr.js'
import { MAX_ADDRESS_TEXT_LENGTH } from './constants.js'
import { TopologyErrorCode, topologyError } from './errors.js'
import { PrefixTrie } from './trie.js'

/** `::ffff:0:0` as words; IPv4 space seen from IPv6. */
const MAPPED_WORDS = Int32Array.of(0, 0, 0xffff, 0)
const MAPPED_BITS = 96
const NONE = 255

const scratchBytes = new Uint8Array(16)
const scratchWords = new Int32Array(4)
const scratchWord = new Int32Array(1)

function wordsFromBytes(bytes: Uint8Array, out: Int32Array): Int32Array {
  for (let w = 0; w < out.length; w++) {
    const i = w * 4
    out[w] =
      ((bytes[i] ?? 0) << 24) | ((bytes[i + 1] ?? 0) << 16) | ((bytes[i + 2] ?? 0) << 8) | (bytes[i + 3] ?? 0)
  }
  return out
}

function uint32At(bytes: Uint8Array, i: number): number {
  return ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0
}

/**
 * IPv4 and IPv6 prefixes → small integer values, with IPv4 and IPv4-mapped IPv6 treated as one address
 * space: `10.0.0.0/8` and `::ffff:10.0.0.0/104` are the same prefix, mapped addresses match IPv4 prefixes,
 * and IPv6 prefixes that cover `::ffff:0:0/96` (such as `::/0`) are the fallback for IPv4 addresses.
 * Two tries keep the IPv4 path on single 32-bit words. Values are -1 for "no match".
 */
export class PrefixMap {
  private readonly v4 = new PrefixTrie(1)
  private readonly v6 = new PrefixTrie(4)
  private sealed = false
  /** Scope of the last {@link subnet} call. */
  scope = 0

  /** Adds a prefix; returns the value already stored for that exact prefix (kept), or -1. */
  insert(cidr: Cidr, value: number): number {
    if (this.sealed) throw new Error('PrefixMap is sealed')
    const { bytes, prefixLength } = cidr
    if (cidr.family === 4) return this.v4.insert([uint32At(bytes, 0)], prefixLength, value)
    if (prefixLength >= MAPPED_BITS && isIPv4Mapped(bytes)) {
      return this.v4.insert([uint32At(bytes, 12)], prefixLength - MAPPED_BITS, value)
    }
    return this.v6.insert(wordsFromBytes(bytes, new Int32Array(4)), prefixLength, value)
  }

  /** {@link insert} for an IPv4 prefix held as an unsigned 32-bit integer and its length. */
  insertUint32(network: number, prefixLength: number, value: number): number {
    if (this.sealed) throw new Error('PrefixMap is sealed')
    scratchWord[0] = network
    return this.v4.insert(scratchWord, prefixLength, value)
  }

  /** Ends building: no inserts after this. */
  seal(): void {
    this.v6.seal()
    this.v4.seal(this.v6.subnet(MAPPED_WORDS, MAPPED_BITS))
    this.sealed = true
  }

  /** Longest match for an IPv4 address as an unsigned 32-bit integer. */
  lookupUint32(address: number): number {
    return this.v4.lookup32(address)
  }

  /** Longest match for 4 or 16 address bytes (mapped IPv6 looks in IPv4 space). */
  lookupBytes(bytes: Uint8Array): number {
    if (bytes.length === 4) return this.v4.lookup32(uint32At(bytes, 0))
    if (bytes.length !== 16) {
      throw topologyError(
        TopologyErrorCode.INVALID_ADDRESS,
        `address bytes must be 4 or 16 bytes, got ${bytes.length}`,
      )
    }
    if (isIPv4Mapped(bytes)) return this.v4.lookup32(uint32At(bytes, 12))
    return this.v6.lookup(wordsFromBytes(bytes, scratchWords))
  }

  /** Longest match for address text; allocation-free for valid input. */
  lookupText(text: string): number {
    const v4 = ipv4ToUint32(text)
    if (v4 >= 0) return this.v4.lookup32(v4)
    if (typeof text === 'string' && text.length <= MAX_ADDRESS_TEXT_LENGTH && text.indexOf(':') >= 0) {
      if (parseIPv6Into(text, scratchBytes) === undefined) return this.lookupBytes(scratchBytes)
    }
    parseAddress(text) // throws the precise reason
    throw topologyError(TopologyErrorCode.INVALID_ADDRESS, 'not a valid address', { input: text })
  }

  /**
   * Client-subnet lookup (see PrefixTrie.subnet for the scope rule), in one address space for both
   * families: `bytes` hold at least the first `source` bits (shorter ECS addresses are zero-padded).
   */
  subnet(family: 4 | 6, bytes: Uint8Array, source: number): number {
    if (family === 4) {
      const value = this.v4.subnet(wordsFromBytes(bytes, scratchWord), source)
      this.scope = this.v4.scope
      return value
    }
    const words = wordsFromBytes(bytes, scratchWords)
    const mappedDiff = firstDiff96(words)
    if (mappedDiff === MAPPED_BITS && source >= MAPPED_BITS) {
      const value = this.v4.subnet(words.subarray(3), source - MAPPED_BITS)
      if (this.v4.shortestPrefix !== NONE) {
        this.scope = this.v4.scope + MAPPED_BITS
      } else {
        // No IPv4 prefix at all: the answer is the IPv6 cover of IPv4 space, and so is its reach.
        this.v6.subnet(MAPPED_WORDS, MAPPED_BITS)
        this.scope = this.v6.scope
      }
      return value
    }
    const value = this.v6.subnet(words, source)
    let scope = this.v6.scope
    const v4Shortest = this.v4.shortestPrefix
    if (v4Shortest !== NONE) {
      if (mappedDiff >= source) {
        // The client subnet contains all of IPv4 space, and IPv4 prefixes are more specific than it.
        const inside = MAPPED_BITS + v4Shortest
        scope = scope > source ? Math.min(scope, inside) : inside
      } else if (scope <= source && scope < mappedDiff + 1) {
        scope = mappedDiff + 1
      }
    }
    this.scope = scope
    return value
  }
}

/** First bit (0-96) where `words` differs from `::ffff:0:0/96`. */
function firstDiff96(words: Int32Array): number {
  for (let w = 0; w < 3; w++) {
    const x = words[w]! ^ MAPPED_WORDS[w]!
    if (x !== 0) return w * 32 + Math.clz32(x)
  }
  return MAPPED_BITS
}
