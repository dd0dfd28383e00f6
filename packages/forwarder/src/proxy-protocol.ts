import { isIPv4, isIPv6 } from 'node:net'

/** The two ends of a proxied connection, as seen by the forwarder's listener. */
export interface ProxyEndpoints {
  sourceAddress: string
  sourcePort: number
  destinationAddress: string
  destinationPort: number
}

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a])
const MAPPED_PREFIX = '::ffff:'

function unmap(address: string): string {
  return address.toLowerCase().startsWith(MAPPED_PREFIX) && isIPv4(address.slice(MAPPED_PREFIX.length))
    ? address.slice(MAPPED_PREFIX.length)
    : address
}

/** Picks one family for both ends: IPv4 when both are (possibly mapped) IPv4, else IPv6 with mapped IPv4. */
function normalize(endpoints: ProxyEndpoints): { family: 4 | 6; source: string; destination: string } | null {
  const source = unmap(endpoints.sourceAddress)
  const destination = unmap(endpoints.destinationAddress)
  if (isIPv4(source) && isIPv4(destination)) return { family: 4, source, destination }
  const as6 = (address: string) => (isIPv4(address) ? `${MAPPED_PREFIX}${address}` : address)
  const s6 = as6(source)
  const d6 = as6(destination)
  if (isIPv6(s6) && isIPv6(d6)) return { family: 6, source: s6, destination: d6 }
  return null
}

function validPort(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 65_535
}

/** PROXY protocol v1 header (`PROXY TCP4 src dst sport dport\r\n`); `PROXY UNKNOWN\r\n` when ends are unusable. */
export function encodeProxyV1(endpoints: ProxyEndpoints): Buffer {
  const ends = normalize(endpoints)
  if (!ends || !validPort(endpoints.sourcePort) || !validPort(endpoints.destinationPort)) {
    return Buffer.from('PROXY UNKNOWN\r\n', 'latin1')
  }
  const line = `PROXY TCP${ends.family} ${ends.source} ${ends.destination} ${endpoints.sourcePort} ${endpoints.destinationPort}\r\n`
  return Buffer.from(line, 'latin1')
}

function writeIPv4(address: string, target: Buffer, offset: number): void {
  const parts = address.split('.')
  for (let i = 0; i < 4; i++) target[offset + i] = Number(parts[i])
}

function writeIPv6(address: string, target: Buffer, offset: number): void {
  let text = address
  // a trailing dotted quad (mapped IPv4) becomes two hex groups
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (dotted) {
    const octets = dotted[1]!.split('.').map(Number)
    const high = ((octets[0]! << 8) | octets[1]!).toString(16)
    const low = ((octets[2]! << 8) | octets[3]!).toString(16)
    text = `${text.slice(0, dotted.index)}${high}:${low}`
  }
  const [head = '', tail] = text.split('::')
  const headGroups = head === '' ? [] : head.split(':')
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':')
  const zeros = 8 - headGroups.length - tailGroups.length
  const groups = [
    ...headGroups,
    ...new Array<string>(tail === undefined ? 0 : zeros).fill('0'),
    ...tailGroups,
  ]
  for (let i = 0; i < 8; i++) target.writeUInt16BE(Number.parseInt(groups[i] ?? '0', 16), offset + i * 2)
}

/** PROXY protocol v2 header (binary, command PROXY, STREAM); family UNSPEC when ends are unusable. */
export function encodeProxyV2(endpoints: ProxyEndpoints): Buffer {
  const ends = normalize(endpoints)
  const usable = ends !== null && validPort(endpoints.sourcePort) && validPort(endpoints.destinationPort)
  const addressLength = !usable ? 0 : ends.family === 4 ? 12 : 36
  const header = Buffer.alloc(16 + addressLength)
  V2_SIGNATURE.copy(header, 0)
  header[12] = 0x21 // version 2, command PROXY
  if (!usable) {
    header[13] = 0x00 // AF_UNSPEC, UNSPEC
    header.writeUInt16BE(0, 14)
    return header
  }
  header[13] = ends.family === 4 ? 0x11 : 0x21 // AF_INET / AF_INET6, STREAM
  header.writeUInt16BE(addressLength, 14)
  if (ends.family === 4) {
    writeIPv4(ends.source, header, 16)
    writeIPv4(ends.destination, header, 20)
    header.writeUInt16BE(endpoints.sourcePort, 24)
    header.writeUInt16BE(endpoints.destinationPort, 26)
  } else {
    writeIPv6(ends.source, header, 16)
    writeIPv6(ends.destination, header, 32)
    header.writeUInt16BE(endpoints.sourcePort, 48)
    header.writeUInt16BE(endpoints.destinationPort, 50)
  }
  return header
}

/** Encodes a PROXY protocol header of the given version. */
export function encodeProxyHeader(version: 1 | 2, endpoints: ProxyEndpoints): Buffer {
  return version === 1 ? encodeProxyV1(endpoints) : encodeProxyV2(endpoints)
}
