import { DnsWireError } from './errors.js'

export const MAX_NAME_WIRE_LENGTH = 255
export const MAX_LABEL_LENGTH = 63

/**
 * Appends one label's bytes to `out` in presentation form. Printable ASCII stays as is (original case); a dot and
 * a backslash are escaped; everything else becomes `\DDD`, so every wire name has exactly one string and back.
 */
export function labelToText(buf: Uint8Array, start: number, end: number): string {
  let text = ''
  for (let i = start; i < end; i++) {
    const c = buf[i]!
    if (c === 0x2e || c === 0x5c) text += `\\${String.fromCharCode(c)}`
    else if (c > 0x20 && c < 0x7f) text += String.fromCharCode(c)
    else text += `\\${c < 100 ? (c < 10 ? '00' : '0') : ''}${c}`
  }
  return text
}

/** ASCII-only lower-casing (DNS names compare case-insensitively in ASCII only, RFC 4343). */
export function asciiLower(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x41 && c <= 0x5a) return lowerFrom(s, i)
  }
  return s
}

function lowerFrom(s: string, from: number): string {
  let out = s.slice(0, from)
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i)
    out += c >= 0x41 && c <= 0x5a ? String.fromCharCode(c + 32) : s[i]
  }
  return out
}

/**
 * A name in wire labels: `labels[i]` are the label bytes, `starts[i]` the index in the text where label i begins
 * (so `text.slice(starts[i])` is the suffix from label i, used as the compression key).
 */
export interface NameLabels {
  /** The name without its trailing dot: `starts` index into it. */
  text: string
  labels: Uint8Array[]
  starts: number[]
  wireLength: number
}

const utf8 = new TextEncoder()

/** True when the character at `index` is escaped (an odd run of backslashes precedes it). */
function endsInEscape(text: string, index: number): boolean {
  let n = 0
  for (let i = index - 1; i >= 0 && text.charCodeAt(i) === 0x5c; i--) n++
  return n % 2 === 1
}

/** Splits a presentation-form name into wire labels; throws `GSLB_DNS_INVALID_NAME` naming the problem. */
export function nameToLabels(name: string): NameLabels {
  const labels: Uint8Array[] = []
  const starts: number[] = []
  let text = name
  if (text.endsWith('.') && !endsInEscape(text, text.length - 1)) text = text.slice(0, -1)
  if (text === '') return { text, labels, starts, wireLength: 1 }
  let wireLength = 1
  let bytes: number[] = []
  let labelStart = 0
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e
    if (c === 0x2e) {
      if (bytes.length === 0)
        throw new DnsWireError('GSLB_DNS_INVALID_NAME', `name '${name}' has an empty label`)
      if (bytes.length > MAX_LABEL_LENGTH) {
        throw new DnsWireError('GSLB_DNS_INVALID_NAME', `name '${name}' has a label longer than 63 bytes`)
      }
      labels.push(Uint8Array.from(bytes))
      starts.push(labelStart)
      wireLength += bytes.length + 1
      bytes = []
      labelStart = i + 1
    } else if (c === 0x5c) {
      const d = text.slice(i + 1, i + 4)
      if (/^[0-9]{3}$/.test(d)) {
        const v = Number(d)
        if (v > 255) throw new DnsWireError('GSLB_DNS_INVALID_NAME', `name '${name}' has escape \\${d} > 255`)
        bytes.push(v)
        i += 3
      } else if (i + 1 < text.length) {
        bytes.push(text.charCodeAt(i + 1) & 0xff)
        i += 1
      } else {
        throw new DnsWireError('GSLB_DNS_INVALID_NAME', `name '${name}' ends in a lone backslash`)
      }
    } else if (c < 0x80) {
      bytes.push(c)
    } else {
      const cp = text.codePointAt(i)!
      const encoded = utf8.encode(String.fromCodePoint(cp))
      for (const b of encoded) bytes.push(b)
      if (cp > 0xffff) i += 1
    }
  }
  if (wireLength > MAX_NAME_WIRE_LENGTH) {
    throw new DnsWireError('GSLB_DNS_INVALID_NAME', `name '${name}' is longer than 255 bytes on the wire`)
  }
  return { text, labels, starts, wireLength }
}
