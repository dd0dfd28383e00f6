import { formatAddress, tryParseAddress } from '@gslb/topology'

export interface ParsedIp {
  family: 4 | 6
  bytes: Uint8Array
  /** Canonical text (compressed IPv6). */
  text: string
}

/** Parses an IPv4 or IPv6 address (with @gslb/topology's strict parser); undefined when `text` is neither. */
export function parseIp(text: string): ParsedIp | undefined {
  const parsed = tryParseAddress(text)
  if (!parsed) return undefined
  return { family: parsed.family, bytes: parsed.bytes, text: formatAddress(parsed.bytes) }
}

/** Text form of 4 or 16 address bytes. */
export function formatIp(bytes: Uint8Array): string {
  return formatAddress(bytes)
}
