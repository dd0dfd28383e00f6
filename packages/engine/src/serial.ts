import { createHash } from 'node:crypto'

/**
 * Automatic SOA serials (docs/decisions: SOA serials from zone content). Nodes serving the same zone content must
 * answer the same serial, across restarts, and the serial must grow when the content changes. The serial is
 * therefore a function of the zone's content fingerprint and, when there is one, of the previous serial only —
 * never of the clock.
 */

/** What an automatic serial was derived from: kept by the embedder (the CLI's state file) across restarts. */
export interface SoaSerialState {
  serial: number
  /** `zoneFingerprint()` of the content the serial was given for. */
  fingerprint: string
}

/** Serials grow by at most this much plus one per change, far below RFC 1982's limit of 2^31 - 1. */
const STEP_SPREAD = 0x10000

/**
 * A canonical fingerprint of a zone's served content: SHA-256 (hex) of its canonical JSON, object keys sorted, so
 * the same content gives the same fingerprint on every node whatever the key order of its config file.
 */
export function zoneFingerprint(content: unknown): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex')
}

/** The serial of content never served before: a pure function of the fingerprint, in 1 .. 2^30. */
export function serialFromFingerprint(fingerprint: string): number {
  return (fingerprintNumber(fingerprint) >>> 2) + 1
}

/** The serial after a change: previous + 1 + (fingerprint mod 2^16), modulo 2^32 (RFC 1982: still "greater"). */
export function nextSerial(previous: number, fingerprint: string): number {
  return (previous + 1 + (fingerprintNumber(fingerprint) % STEP_SPREAD)) >>> 0
}

/** Unchanged content keeps its serial; changed content moves on from the previous one; none: a pure function. */
export function zoneSerial(previous: SoaSerialState | undefined, fingerprint: string): number {
  if (previous === undefined) return serialFromFingerprint(fingerprint)
  if (previous.fingerprint === fingerprint) return previous.serial
  return nextSerial(previous.serial, fingerprint)
}

function fingerprintNumber(fingerprint: string): number {
  // A fingerprint is hex from zoneFingerprint; anything else (an embedder's own) is hashed first.
  const hex = /^[0-9a-f]{8}/.test(fingerprint) ? fingerprint : zoneFingerprint(fingerprint)
  return Number.parseInt(hex.slice(0, 8), 16)
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>
    const keys = Object.keys(object)
      .filter((key) => object[key] !== undefined)
      .sort()
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}
