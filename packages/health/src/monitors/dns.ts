import { Resolver } from 'node:dns'
import { BACKSTOP_SLACK_MS } from '../constants.js'
import type { DnsMonitor, DnsRcode, MonitorOutcome, ResolvedTarget } from '../types.js'
import { down, fromAbort, hostForUrl, onAbort, up } from './outcome.js'

/** c-ares error codes that carry a DNS response code; anything else means no usable answer arrived. */
const RCODE_OF: Readonly<Record<string, DnsRcode>> = {
  ENOTFOUND: 'NXDOMAIN',
  ENODATA: 'NOERROR',
  ESERVFAIL: 'SERVFAIL',
  EREFUSED: 'REFUSED',
  ENOTIMP: 'NOTIMP',
  EFORMERR: 'FORMERR',
}

interface Answer {
  rcode: DnsRcode | null
  addresses: string[]
  error?: string
}

function query(resolver: Resolver, monitor: DnsMonitor): Promise<Answer> {
  return new Promise((resolve) => {
    const done = (error: NodeJS.ErrnoException | null, addresses?: string[]) => {
      if (!error) return resolve({ rcode: 'NOERROR', addresses: addresses ?? [] })
      const rcode = RCODE_OF[error.code ?? ''] ?? null
      resolve({ rcode, addresses: [], error: `${error.code ?? 'error'}: ${error.message}` })
    }
    if ((monitor.rrtype ?? 'A') === 'A') resolver.resolve4(monitor.name, done)
    else resolver.resolve6(monitor.name, done)
  })
}

/**
 * Asks the target (a DNS server) for `name` with a resolver of its own (one server, one try) and compares the response code, and optionally one address of the answer.
 */
export async function checkDns(
  target: ResolvedTarget,
  monitor: DnsMonitor,
  signal: AbortSignal,
  maxWaitMs: number,
): Promise<MonitorOutcome> {
  if (signal.aborted) return fromAbort(signal)
  // c-ares's own timeout is a backstop behind the checker's lag-aware deadline (signal).
  const resolver = new Resolver({ timeout: maxWaitMs + BACKSTOP_SLACK_MS, tries: 1 })
  resolver.setServers([`${hostForUrl(target.address)}:${target.port}`])
  const dropAbort = onAbort(signal, () => resolver.cancel())
  try {
    const answer = await query(resolver, monitor)
    if (signal.aborted) return fromAbort(signal)
    const expected = monitor.expectRcode ?? 'NOERROR'
    if (answer.rcode === null)
      return down(answer.error?.startsWith('ETIMEOUT') ? 'timeout' : 'error', answer.error ?? 'no answer')
    if (answer.rcode !== expected) return down('rcode', `${answer.rcode} (expected ${expected})`)
    if (monitor.expectAddress !== undefined && !answer.addresses.includes(monitor.expectAddress)) {
      const got = answer.addresses.length > 0 ? answer.addresses.join(', ') : 'no addresses'
      return down('mismatch', `${monitor.name} → ${got} (expected ${monitor.expectAddress})`)
    }
    const got = answer.addresses.length > 0 ? ` → ${answer.addresses.join(', ')}` : ''
    return up(`${answer.rcode}${got}`)
  } finally {
    dropAbort()
    resolver.cancel()
  }
}
