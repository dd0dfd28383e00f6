import { Rcode } from './wire/index.js'

const RCODE_NAMES = new Map<number, string>(Object.entries(Rcode).map(([name, value]) => [value, name]))

/** Query counters: plain numbers bumped on the hot path, read by `engine.stats()` (the CLI exposes them). */
export class Stats {
  udp = 0
  tcp = 0
  dropped = 0
  /** UDP error answers not sent because the error-response budget was spent. */
  rateLimited = 0
  /** Queries that hit an internal error (a bug): nothing was sent. */
  errors = 0
  /** Responses by rcode, per transport (index = rcode, 0..4095). */
  private readonly udpRcodes = new Float64Array(4096)
  private readonly tcpRcodes = new Float64Array(4096)

  count(rcode: number, tcp: boolean): void {
    if (tcp) {
      this.tcp++
      this.tcpRcodes[rcode & 0xfff]!++
    } else {
      this.udp++
      this.udpRcodes[rcode & 0xfff]!++
    }
  }

  snapshot(): EngineStats {
    return {
      queries: { udp: this.udp, tcp: this.tcp, total: this.udp + this.tcp },
      dropped: this.dropped,
      rateLimited: this.rateLimited,
      errors: this.errors,
      responses: { udp: named(this.udpRcodes), tcp: named(this.tcpRcodes) },
    }
  }
}

function named(counts: Float64Array): Record<string, number> {
  const out: Record<string, number> = {}
  counts.forEach((count, rcode) => {
    if (count > 0) out[RCODE_NAMES.get(rcode) ?? `RCODE${rcode}`] = count
  })
  return out
}

/** Counters since the engine was created. `responses` counts answers by rcode name (NOERROR, NXDOMAIN, ...). */
export interface EngineStats {
  queries: { udp: number; tcp: number; total: number }
  /** Datagrams/messages not answered at all (not a query; over UDP, also bytes that are not a DNS message). */
  dropped: number
  /** UDP error answers (FORMERR, NOTIMP, BADVERS, REFUSED for what is not served) withheld by the rate limit. */
  rateLimited: number
  /** Queries not answered because of an internal error (should stay 0). */
  errors: number
  responses: { udp: Record<string, number>; tcp: Record<string, number> }
}
