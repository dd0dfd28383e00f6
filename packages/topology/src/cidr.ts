import { formatAddress, ipv4ToUint32, isIPv4Mapped, parseAddress, toIPv4Mapped } from './address.js'
import { MAX_ADDRESS_TEXT_LENGTH } from './constants.js'
import { type TopologyError, TopologyErrorCode, topologyError } from './errors.js'

/** A network prefix. `bytes` always has the host bits cleared (`10.0.0.1/24` → `10.0.0.0/24`). */
export interface Cidr {
  readonly family: 4 | 6
  readonly bytes: Uint8Array
  readonly prefixLength: number
}

function invalid(text: string, reason: string): TopologyError {
  return topologyError(TopologyErrorCode.INVALID_CIDR, reason, { input: text })
}

/**
 * Parses `address/length` strictly; a bare address is taken as a host prefix (/32 or /128). Host bits
 * below the prefix length are accepted and cleared. IPv4-mapped IPv6 prefixes stay family 6 here.
 * @throws TopologyError `GSLB_TOPOLOGY_INVALID_CIDR`
 */
export function parseCidr(text: string): Cidr {
  if (typeof text !== 'string') {
    throw topologyError(TopologyErrorCode.INVALID_CIDR, `CIDR must be a string, got ${typeof text}`)
  }
  if (text.length > MAX_ADDRESS_TEXT_LENGTH + 4) {
    throw invalid(text, `longer than ${MAX_ADDRESS_TEXT_LENGTH + 4} characters`)
  }
  const slash = text.indexOf('/')
  const addressText = slash < 0 ? text : text.slice(0, slash)
  let family: 4 | 6
  let bytes: Uint8Array
  try {
    ;({ family, bytes } = parseAddress(addressText))
  } catch (error) {
    throw invalid(text, (error as TopologyError).reason)
  }
  const max = bytes.length * 8
  if (slash < 0) return { family, bytes, prefixLength: max }
  const lengthText = text.slice(slash + 1)
  if (lengthText === '') throw invalid(text, 'prefix length is empty')
  if (!/^[0-9]+$/.test(lengthText)) {
    throw invalid(text, `prefix length '${lengthText.slice(0, 8)}' is not a decimal number`)
  }
  if (lengthText.length > 1 && lengthText[0] === '0') {
    throw invalid(text, `prefix length '${lengthText}' has a leading zero`)
  }
  const prefixLength = Number(lengthText)
  if (prefixLength > max) throw invalid(text, `prefix length ${lengthText} is out of range 0-${max}`)
  clearHostBits(bytes, prefixLength)
  return { family, bytes, prefixLength }
}

/** Zeroes every bit at or after `prefixLength` in place. */
export function clearHostBits(bytes: Uint8Array, prefixLength: number): void {
  for (let i = 0; i < bytes.length; i++) {
    const keep = prefixLength - i * 8
    if (keep >= 8) continue
    bytes[i] = keep <= 0 ? 0 : bytes[i]! & (0xff << (8 - keep))
  }
}

/** `10.0.0.0/24`, `2001:db8::/32`. */
export function formatCidr(cidr: Cidr): string {
  return `${formatAddress(cidr.bytes)}/${cidr.prefixLength}`
}

/** True when the first `length` bits of `a` and `b` agree. */
export function prefixBitsEqual(a: Uint8Array, b: Uint8Array, length: number): boolean {
  const whole = length >>> 3
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false
  const rest = length & 7
  if (rest === 0) return true
  const mask = (0xff << (8 - rest)) & 0xff
  return ((a[whole]! ^ b[whole]!) & mask) === 0
}

/**
 * True when `address` (4 or 16 bytes) lies inside `cidr`. IPv4 and IPv4-mapped IPv6 are the same
 * address: `10.0.0.0/8` contains `::ffff:10.1.2.3`, and `::/0` contains `10.1.2.3`.
 */
export function cidrContains(cidr: Cidr, address: Uint8Array): boolean {
  if (cidr.family === 4) {
    if (address.length === 16) {
      if (!isIPv4Mapped(address)) return false
      return prefixBitsEqual(cidr.bytes, address.subarray(12), cidr.prefixLength)
    }
    return address.length === 4 && prefixBitsEqual(cidr.bytes, address, cidr.prefixLength)
  }
  if (address.length === 4) return prefixBitsEqual(cidr.bytes, toIPv4Mapped(address), cidr.prefixLength)
  return address.length === 16 && prefixBitsEqual(cidr.bytes, address, cidr.prefixLength)
}

/**
 * Fast path for the common case, without allocation: valid IPv4 CIDR text (or bare IPv4 address) →
 * `network * 64 + prefixLength` with host bits cleared, or -1 for anything else (IPv6 or invalid; call
 * {@link parseCidr} for those, which also explains what is wrong).
 */
export function ipv4CidrToPacked(text: string): number {
  const slash = text.indexOf('/')
  if (slash < 0) {
    const address = ipv4ToUint32(text)
    return address < 0 ? -1 : address * 64 + 32
  }
  const address = ipv4ToUint32(text, 0, slash)
  if (address < 0) return -1
  const digits = text.length - slash - 1
  const d0 = text.charCodeAt(slash + 1) - 48
  let length: number
  if (digits === 1 && d0 >= 0 && d0 <= 9) length = d0
  else if (digits === 2 && d0 >= 1 && d0 <= 3) {
    const d1 = text.charCodeAt(slash + 2) - 48
    if (d1 < 0 || d1 > 9) return -1
    length = d0 * 10 + d1
    if (length > 32) return -1
  } else return -1
  const mask = length === 0 ? 0 : -1 << (32 - length)
  return ((address & mask) >>> 0) * 64 + length
}
