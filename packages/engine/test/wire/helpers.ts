import * as packet from 'dns-packet'

export interface QueryOptions {
  id?: number
  name?: string
  type?: packet.RecordType
  flags?: number
  edns?:
    | false
    | { udpPayloadSize?: number; version?: number; do?: boolean; ecs?: { ip: string; source: number } }
}

/** Builds a query with dns-packet (the independent oracle), so the parser is never tested against itself. */
export function buildQuery(options: QueryOptions = {}): Buffer {
  const edns = options.edns ?? {}
  const additionals: packet.Answer[] = []
  if (edns !== false) {
    const opt = {
      type: 'OPT',
      name: '.',
      udpPayloadSize: edns.udpPayloadSize ?? 1232,
      extendedRcode: 0,
      ednsVersion: edns.version ?? 0,
      flags: edns.do === true ? packet.DNSSEC_OK : 0,
      options:
        edns.ecs === undefined
          ? []
          : [
              {
                code: 'CLIENT_SUBNET',
                sourcePrefixLength: edns.ecs.source,
                scopePrefixLength: 0,
                ip: edns.ecs.ip,
              },
            ],
    }
    additionals.push(opt as unknown as packet.Answer)
  }
  return packet.encode({
    type: 'query',
    id: options.id ?? 0x1234,
    flags: options.flags ?? packet.RECURSION_DESIRED,
    questions: [{ type: options.type ?? 'A', name: options.name ?? 'www.Example.com' }],
    additionals,
  })
}

/** Hand-built header for cases dns-packet cannot produce. */
export function header(id: number, flags: number, qd: number, an: number, ns: number, ar: number): number[] {
  return [id >> 8, id & 0xff, flags >> 8, flags & 0xff, 0, qd, 0, an, 0, ns, 0, ar]
}

export function wireName(name: string): number[] {
  const out: number[] = []
  for (const label of name.split('.').filter((l) => l !== '')) {
    out.push(label.length, ...Buffer.from(label, 'latin1'))
  }
  out.push(0)
  return out
}

/** An OPT record with raw option bytes. */
export function optRecord(options: number[], udp = 1232, version = 0, doBit = false): number[] {
  return [
    0,
    0,
    41,
    udp >> 8,
    udp & 0xff,
    0,
    version,
    doBit ? 0x80 : 0,
    0,
    options.length >> 8,
    options.length & 0xff,
    ...options,
  ]
}

export function ecsOption(family: number, source: number, scope: number, address: number[]): number[] {
  const len = 4 + address.length
  return [0, 8, len >> 8, len & 0xff, family >> 8, family & 0xff, source, scope, ...address]
}

export function rawQuery(name: string, additional: number[][] = [], qtype = 1): Buffer {
  return Buffer.from([
    ...header(0xbeef, 0x0100, 1, 0, 0, additional.length),
    ...wireName(name),
    0,
    qtype,
    0,
    1,
    ...additional.flat(),
  ])
}
