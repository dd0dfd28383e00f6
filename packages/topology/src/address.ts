import { MAX_ADDRESS_TEXT_LENGTH } from './constants.js'
import { TopologyErrorCode, topologyError } from './errors.js'

/** An IP address as network-order bytes: 4 bytes for IPv4, 16 for IPv6. */
export interface ParsedAddress {
  readonly family: 4 | 6
  readonly bytes: Uint8Array
}

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]

/**
 * Parses dotted-quad IPv4 text in `text[start, end)` to an unsigned 32-bit integer, or returns -1.
 * Strict: exactly four decimal parts 0-255, no leading zeros, no signs, no spaces.
 * Allocation-free: this is the engine's per-query path.
 */
export function ipv4ToUint32(text: string, start = 0, end = text.length): number {
  let value = 0
  let part = 0
  let digits = 0
  let dots = 0
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1
      value = (value << 8) | part
      dots++
      part = 0
      digits = 0
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1
      part = part * 10 + (c - 48)
      if (part > 255) return -1
      digits++
    } else {
      return -1
    }
  }
  if (digits === 0 || dots !== 3) return -1
  return ((value << 8) | part) >>> 0
}

/** Why `text` is not valid dotted-quad IPv4 (called only after the fast parser said no). */
function ipv4Reason(text: string): string {
  const parts = text.split('.')
  if (parts.length !== 4) return `expected 4 dot-separated parts, found ${parts.length}`
  for (const [index, part] of parts.entries()) {
    const where = `part ${index + 1}`
    if (part === '') return `${where} is empty`
    if (!/^[0-9]+$/.test(part)) return `${where} '${part.slice(0, 8)}' is not a decimal number`
    if (part.length > 1 && part[0] === '0') return `${where} '${part}' has a leading zero`
    if (Number(part) > 255) return `${where} ${part} is out of range 0-255`
  }
  return 'not a valid IPv4 address'
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 97 && c <= 102) return c - 87
  if (c >= 65 && c <= 70) return c - 55
  return -1
}

const groups = new Uint16Array(8)

/**
 * Parses IPv6 text (RFC 4291 §2.2: `::` compression, embedded IPv4 tail) into `out[0..16)`.
 * Returns undefined on success or the reason it is invalid. Allocation-free on success.
 */
export function parseIPv6Into(text: string, out: Uint8Array): string | undefined {
  const n = text.length
  if (n === 0) return 'address is empty'
  if (text.indexOf('%') >= 0) return 'zone identifiers (%zone) are not supported'
  if (text.charCodeAt(0) === 91) return 'brackets are not part of an address; remove [ ]'
  let count = 0
  let compressedAt = -1
  let i = 0
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return "leading ':' without '::'"
    compressedAt = 0
    i = 2
  }
  while (i < n) {
    let j = i
    let value = 0
    for (; j < n; j++) {
      const h = hexValue(text.charCodeAt(j))
      if (h < 0) break
      value = value * 16 + h
      if (j - i >= 4) return `group '${text.slice(i, j + 1)}…' has more than 4 hex digits`
    }
    if (j < n && text.charCodeAt(j) === 46) {
      const v4 = ipv4ToUint32(text, i, n)
      if (v4 < 0) return `embedded IPv4 '${text.slice(i)}' is invalid: ${ipv4Reason(text.slice(i))}`
      if (count > 6) return 'too many groups before the embedded IPv4 address'
      groups[count++] = v4 >>> 16
      groups[count++] = v4 & 0xffff
      i = n
      break
    }
    if (j === i) {
      const c = text[j] ?? ''
      return c === ':' || c === '' ? 'empty group' : `invalid character '${c}'`
    }
    if (count === 8) return 'more than 8 groups'
    groups[count++] = value
    i = j
    if (i === n) break
    if (text.charCodeAt(i) !== 58) return `invalid character '${text[i]}'`
    if (text.charCodeAt(i + 1) === 58) {
      if (compressedAt >= 0) return "more than one '::'"
      compressedAt = count
      i += 2
    } else {
      i += 1
      if (i === n) return "trailing ':' without '::'"
    }
  }
  if (compressedAt < 0) {
    if (count !== 8) return `expected 8 groups, found ${count}`
  } else if (count > 7) {
    return "'::' with 8 groups stands for nothing"
  }
  const gap = 8 - count
  let g = 0
  for (let k = 0; k < 8; k++) {
    let v = 0
    if (compressedAt < 0 || k < compressedAt) v = groups[g++]!
    else if (k >= compressedAt + gap) v = groups[g++]!
    out[k * 2] = v >>> 8
    out[k * 2 + 1] = v & 0xff
  }
  return undefined
}

function checkText(text: unknown, what: string): string {
  if (typeof text !== 'string') {
    throw topologyError(TopologyErrorCode.INVALID_ADDRESS, `${what} must be a string, got ${typeof text}`)
  }
  return text
}

/** Parses without throwing; returns a reason instead. */
function parseAddressOrReason(text: string): ParsedAddress | string {
  if (text.length === 0) return 'address is empty'
  if (text.length > MAX_ADDRESS_TEXT_LENGTH) return `longer than ${MAX_ADDRESS_TEXT_LENGTH} characters`
  if (text.indexOf(':') >= 0 || text.indexOf('%') >= 0 || text.charCodeAt(0) === 91) {
    const bytes = new Uint8Array(16)
    const reason = parseIPv6Into(text, bytes)
    return reason ?? { family: 6, bytes }
  }
  const v4 = ipv4ToUint32(text)
  if (v4 < 0) return ipv4Reason(text)
  return { family: 4, bytes: uint32ToBytes(v4) }
}

/**
 * Parses IPv4 (`10.1.2.3`) or IPv6 (`2001:db8::1`, `::ffff:10.1.2.3`) text strictly.
 * IPv4-mapped IPv6 stays family 6 (see {@link isIPv4Mapped}).
 * @throws TopologyError `GSLB_TOPOLOGY_INVALID_ADDRESS`
 */
export function parseAddress(text: string): ParsedAddress {
  const result = parseAddressOrReason(checkText(text, 'address'))
  if (typeof result === 'string')
    throw topologyError(TopologyErrorCode.INVALID_ADDRESS, result, { input: text })
  return result
}

/** Like {@link parseAddress} but returns undefined for invalid text instead of throwing. */
export function tryParseAddress(text: string): ParsedAddress | undefined {
  if (typeof text !== 'string') return undefined
  const result = parseAddressOrReason(text)
  return typeof result === 'string' ? undefined : result
}

/** 4 or 6 when `text` is a valid address of that family, 0 otherwise (like `net.isIP`, but strict). */
export function addressFamily(text: string): 0 | 4 | 6 {
  return tryParseAddress(text)?.family ?? 0
}

export function uint32ToBytes(value: number): Uint8Array {
  return Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff)
}

function checkBytes(bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array) || (bytes.length !== 4 && bytes.length !== 16)) {
    const got = bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes
    throw topologyError(TopologyErrorCode.INVALID_ADDRESS, `address bytes must be 4 or 16 bytes, got ${got}`)
  }
}

/** True for 16 bytes in `::ffff:0:0/96` (an IPv4 address carried as IPv6). */
export function isIPv4Mapped(bytes: Uint8Array): boolean {
  if (bytes.length !== 16) return false
  for (let i = 0; i < 12; i++) if (bytes[i] !== MAPPED_PREFIX[i]) return false
  return true
}

/** `10.1.2.3` (4 bytes) → `::ffff:10.1.2.3` (16 bytes). */
export function toIPv4Mapped(bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 4) {
    throw topologyError(TopologyErrorCode.INVALID_ADDRESS, 'toIPv4Mapped needs 4 IPv4 bytes')
  }
  const out = new Uint8Array(16)
  out[10] = 0xff
  out[11] = 0xff
  out.set(bytes, 12)
  return out
}

/** `::ffff:10.1.2.3` → the 4 IPv4 bytes; undefined when the address is not IPv4-mapped. */
export function fromIPv4Mapped(bytes: Uint8Array): Uint8Array | undefined {
  return isIPv4Mapped(bytes) ? bytes.slice(12) : undefined
}

/** IPv4-mapped IPv6 → 4 IPv4 bytes; anything else unchanged (a copy is not made). */
export function unmapAddress(bytes: Uint8Array): Uint8Array {
  checkBytes(bytes)
  return isIPv4Mapped(bytes) ? bytes.subarray(12) : bytes
}

/**
 * `host:port`, with an IPv6 address in brackets (`[2001:db8::1]:104`): the one way every package writes an endpoint
 * (a host name or IPv4 address goes as it is).
 */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

/**
 * Formats 4 bytes as dotted quad and 16 bytes per RFC 5952 (lower case, longest zero run of two or more
 * groups as `::`, IPv4-mapped as `::ffff:a.b.c.d`).
 * @throws TopologyError `GSLB_TOPOLOGY_INVALID_ADDRESS` for any other length
 */
export function formatAddress(bytes: Uint8Array): string {
  checkBytes(bytes)
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`
  if (isIPv4Mapped(bytes)) return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`
  const words: number[] = []
  for (let i = 0; i < 16; i += 2) words.push((bytes[i]! << 8) | bytes[i + 1]!)
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && words[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j
  }
  const hex = (from: number, to: number) =>
    words
      .slice(from, to)
      .map((w) => w.toString(16))
      .join(':')
  if (bestStart < 0) return hex(0, 8)
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`
}
