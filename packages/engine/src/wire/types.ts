export const RRType = { A: 1, NS: 2, CNAME: 5, SOA: 6, TXT: 16, AAAA: 28, OPT: 41, ANY: 255 } as const
export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  BADVERS: 16,
} as const

/** EDNS option code of EDNS Client Subnet (RFC 7871). */
export const ECS_OPTION_CODE = 8

export interface DnsQuestion {
  /**
   * As received: original case, no trailing dot ('' = root). Label bytes that are not printable ASCII, a dot
   * inside a label and a backslash are written in presentation form (`\DDD`, `\.`, `\\`), so the string maps back
   * to exactly one wire name.
   */
  name: string
  type: number
  class: number
}

export interface EcsOption {
  family: 1 | 2
  sourcePrefixLength: number
  scopePrefixLength: number
  /** 4 or 16 bytes, zero-padded past the source prefix. */
  address: Uint8Array
}

export interface EdnsInfo {
  /** Requester's UDP payload size; values below 512 are reported as 512. */
  udpPayloadSize: number
  version: number
  dnssecOk: boolean
  ecs?: EcsOption
}

export interface ParsedQuery {
  id: number
  opcode: number
  rd: boolean
  cd: boolean
  question: DnsQuestion
  edns?: EdnsInfo
}

export type QueryParseResult =
  | { kind: 'query'; query: ParsedQuery }
  | { kind: 'drop'; reason: string }
  | {
      kind: 'error'
      rcode: number
      id: number
      opcode: number
      rd: boolean
      /** Added to the contract: the CD bit of the query, to be copied into the error response. */
      cd: boolean
      question?: DnsQuestion
      edns?: EdnsInfo
      reason: string
      /** The bytes are not a well-formed DNS message (a section runs past the end, a bad label, trailing bytes). */
      malformed?: boolean
    }

export type ResourceRecord =
  | { name: string; type: 'A'; ttl: number; address: Uint8Array }
  | { name: string; type: 'AAAA'; ttl: number; address: Uint8Array }
  | { name: string; type: 'CNAME' | 'NS'; ttl: number; target: string }
  | { name: string; type: 'TXT'; ttl: number; text: string[] }
  | {
      name: string
      type: 'SOA'
      ttl: number
      mname: string
      rname: string
      serial: number
      refresh: number
      retry: number
      expire: number
      minimum: number
    }

export interface ResponseEdns {
  /** We advertise 1232. */
  udpPayloadSize: number
  ecs?: EcsOption
  /** Added to the contract: copy of the query's DO bit (RFC 3225 §3). Default false. */
  dnssecOk?: boolean
}

export interface ResponseMessage {
  id: number
  opcode: number
  aa: boolean
  rd: boolean
  cd: boolean
  /** 0..4095; the upper 8 bits go in OPT. */
  rcode: number
  question?: DnsQuestion
  answers: ResourceRecord[]
  authority: ResourceRecord[]
  additional: ResourceRecord[]
  /** Present iff the query had OPT. */
  edns?: ResponseEdns
}
