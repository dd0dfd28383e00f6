import * as packet from 'dns-packet'
import type { EngineConfig } from '../../src/index.js'

export interface QueryOptions {
  id?: number
  /** Numeric opcode (0 QUERY, 2 STATUS, 4 NOTIFY, ...). */
  opcode?: number
  rd?: boolean
  /** Adds an OPT record with this UDP payload size. */
  edns?: number
  ednsVersion?: number
  /** Sets the DO bit in the OPT record. */
  dnssecOk?: boolean
  /** ECS subnet, e.g. '10.2.3.0/24'. Implies EDNS. */
  ecs?: string
  class?: string
}

/** Encodes a query with dns-packet (the oracle: independent of our codec). */
export function query(name: string, type: string, options: QueryOptions = {}): Uint8Array {
  const additionals: packet.Answer[] = []
  if (
    options.edns !== undefined ||
    options.ecs !== undefined ||
    options.ednsVersion !== undefined ||
    options.dnssecOk
  ) {
    const opts: packet.PacketOpt[] = []
    if (options.ecs) {
      const [ip, prefix] = options.ecs.split('/') as [string, string]
      opts.push({
        code: 'CLIENT_SUBNET',
        family: ip.includes(':') ? 2 : 1,
        sourcePrefixLength: Number(prefix),
        scopePrefixLength: 0,
        ip,
      } as unknown as packet.PacketOpt)
    }
    additionals.push({
      type: 'OPT',
      name: '.',
      udpPayloadSize: options.edns ?? 1232,
      ednsVersion: options.ednsVersion ?? 0,
      flags: options.dnssecOk ? packet.DNSSEC_OK : 0,
      options: opts,
    } as unknown as packet.Answer)
  }
  const flags = (options.rd === false ? 0 : packet.RECURSION_DESIRED) | ((options.opcode ?? 0) << 11)
  return packet.encode({
    type: 'query',
    id: options.id ?? 4242,
    flags,
    questions: [
      { name, type: type as packet.RecordType, class: (options.class ?? 'IN') as packet.RecordClass },
    ],
    additionals,
  } as packet.Packet)
}

export interface LooseRecord {
  name: string
  type: string
  ttl: number
  // biome-ignore lint/suspicious/noExplicitAny: decoded record data differs per type; tests check it loosely
  data: any
}

export interface Decoded extends Omit<packet.DecodedPacket, 'answers' | 'authorities' | 'additionals'> {
  answers?: LooseRecord[]
  authorities?: LooseRecord[]
  additionals?: LooseRecord[]
  flag_aa: boolean
  flag_tc: boolean
  flag_rd: boolean
  flag_ra: boolean
  rcode: string
}

export function decode(bytes: Uint8Array | null): Decoded {
  if (!bytes) throw new Error('expected a response, got null')
  return packet.decode(Buffer.from(bytes)) as unknown as Decoded
}

/** The OPT record of a response, if any. */
export function opt(response: Decoded):
  | (packet.Answer & {
      udpPayloadSize: number
      flags: number
      extendedRcode: number
      options: { code: number; sourcePrefixLength?: number; scopePrefixLength?: number; ip?: string }[]
    })
  | undefined {
  return response.additionals?.find((a) => a.type === 'OPT') as never
}

export function addresses(response: Decoded): string[] {
  return (response.answers ?? [])
    .filter((a) => a.type === 'A' || a.type === 'AAAA')
    .map((a) => a.data as string)
}

export const ZONE = 'dicom.example.org'

/** A representative config: one zone with glue, static records, and pools of every method. */
export function sampleConfig(): EngineConfig {
  return {
    zones: {
      [ZONE]: {
        soa: { rname: 'hostmaster@example.org', serial: 2024010101, minimum: 30, ttl: 600 },
        ns: [
          { name: 'ns1.dicom.example.org', addresses: ['192.0.2.53', '2001:db8::53'] },
          { name: 'ns.outside.example.net' },
        ],
        records: [
          { name: 'static', type: 'A', value: ['192.0.2.10', '192.0.2.11'] },
          { name: 'static', type: 'TXT', value: 'hello' },
          { name: 'v6', type: 'AAAA', value: '2001:db8::10' },
          { name: 'alias', type: 'CNAME', value: 'pacs.dicom.example.org' },
          { name: 'far', type: 'CNAME', value: 'www.example.com' },
          { name: 'a.b.deep', type: 'A', value: '192.0.2.12' },
        ],
      },
    },
    pools: {
      main: {
        method: 'failover',
        members: [
          { name: 'a', address: '10.1.0.50', datacenter: 'siteA', priority: 1 },
          { name: 'b', address: '10.2.0.50', datacenter: 'siteB', priority: 2 },
          { name: 'c', address: '10.3.0.50', datacenter: 'siteC', priority: 3 },
        ],
        maxAnswers: 2,
      },
      geo: {
        method: 'topology',
        members: [
          { name: 'a1', address: '10.1.0.51', datacenter: 'siteA' },
          { name: 'a2', address: '10.1.0.52', datacenter: 'siteA' },
          { name: 'b1', address: '10.2.0.51', datacenter: 'siteB' },
          { name: 'c1', address: '10.3.0.51', datacenter: 'siteC' },
          { name: 'a6', address: '2001:db8:1::51', datacenter: 'siteA' },
          { name: 'b6', address: '2001:db8:2::51', datacenter: 'siteB' },
        ],
        maxAnswers: 3,
      },
    },
    names: {
      [ZONE]: { pool: 'main' },
      [`pacs.${ZONE}`]: { pool: 'main', ttl: 7 },
      [`geo.${ZONE}`]: { pool: 'geo' },
    },
    topology: {
      datacenters: {
        siteA: ['10.1.0.0/16', '2001:db8:1::/48'],
        siteB: ['10.2.0.0/16', '2001:db8:2::/48'],
        siteC: ['10.3.0.0/16'],
      },
      preferences: { siteA: ['siteB', 'siteC'], siteB: ['siteA', 'siteC'], siteC: ['siteB', 'siteA'] },
    },
  }
}
