import { query, type RecordType } from './client.js'
import { ResolverError, ResolverErrorCode } from './errors.js'
import type { Nameserver } from './nameserver.js'

/**
 * What an NXDOMAIN or an empty (NODATA) answer means:
 * - `'authoritative'`: accept it from the first nameserver that says so;
 * - `'fallthrough'`: ask the next nameserver (a local GSLB that does not serve the name); the name is negative only
 *   when every nameserver answered negatively, and a cycle in which some of them failed is a failed cycle.
 */
export type NegativePolicy = 'authoritative' | 'fallthrough'

/** Counters of one nameserver, since the resolver was created. */
export interface NameserverCounters {
  /** Queries sent (a TCP retry after truncation counts again). */
  sent: number
  /** Usable replies: addresses, NXDOMAIN or NODATA. */
  answered: number
  nxdomain: number
  nodata: number
  timeout: number
  /** REFUSED answers. */
  refused: number
  /** Connection refused (ICMP port unreachable or TCP RST). */
  connectionRefused: number
  servfail: number
  /** Other failures: network errors, unusable replies. */
  error: number
  truncated: number
  /** UDP datagrams ignored because their ID or question did not match, or they did not decode. */
  ignored: number
}

export function emptyCounters(): NameserverCounters {
  return {
    sent: 0,
    answered: 0,
    nxdomain: 0,
    nodata: 0,
    timeout: 0,
    refused: 0,
    connectionRefused: 0,
    servfail: 0,
    error: 0,
    truncated: 0,
    ignored: 0,
  }
}

export type LookupResult =
  | { kind: 'answer'; addresses: readonly string[]; ttl: number; nameserver: string }
  | { kind: 'negative'; reason: 'nxdomain' | 'nodata'; nameserver: string }
  | { kind: 'failure'; error: ResolverError }

export interface LookupOptions {
  nameservers: readonly Nameserver[]
  counters: ReadonlyMap<string, NameserverCounters>
  policy: NegativePolicy
  timeoutMs: number
  maxAddresses: number
  signal: AbortSignal
}

/** Asks the nameservers in order until one gives an answer the policy accepts. Never throws except on abort. */
export async function lookup(name: string, type: RecordType, options: LookupOptions): Promise<LookupResult> {
  let negative: { reason: 'nxdomain' | 'nodata'; nameserver: string } | undefined
  const failures: ResolverError[] = []
  for (const ns of options.nameservers) {
    const counters = options.counters.get(ns.label)!
    try {
      const result = await query(ns, name, type, {
        timeoutMs: options.timeoutMs,
        maxAddresses: options.maxAddresses,
        signal: options.signal,
        hooks: {
          sent: () => counters.sent++,
          ignored: () => counters.ignored++,
          truncated: () => counters.truncated++,
        },
      })
      counters.answered++
      if (result.kind === 'answer') {
        return { kind: 'answer', addresses: result.addresses, ttl: result.ttl, nameserver: ns.label }
      }
      counters[result.kind]++
      negative = { reason: result.kind, nameserver: ns.label }
      if (options.policy === 'authoritative') return { kind: 'negative', ...negative }
    } catch (error) {
      const failure = asResolverError(error, ns, name)
      if (failure.code === ResolverErrorCode.ABORTED) throw failure
      count(counters, failure.code)
      failures.push(failure)
    }
  }
  if (negative && failures.length === 0) return { kind: 'negative', ...negative }
  const last = failures[failures.length - 1]!
  const summary = failures.map((f) => f.message).join('; ')
  const also = negative ? `; ${negative.nameserver} answered ${negative.reason.toUpperCase()}` : ''
  return {
    kind: 'failure',
    error: new ResolverError(last.code, `no usable answer for ${name} ${type}: ${summary}${also}`, {
      hostname: name,
      nameserver: last.nameserver,
      cause: failures.length === 1 ? last : new AggregateError(failures),
    }),
  }
}

function count(counters: NameserverCounters, code: string): void {
  if (code === ResolverErrorCode.TIMEOUT) counters.timeout++
  else if (code === ResolverErrorCode.REFUSED) counters.refused++
  else if (code === ResolverErrorCode.CONNECTION_REFUSED) counters.connectionRefused++
  else if (code === ResolverErrorCode.SERVFAIL) counters.servfail++
  else counters.error++
}

function asResolverError(error: unknown, ns: Nameserver, name: string): ResolverError {
  if (error instanceof ResolverError) return error
  return new ResolverError(ResolverErrorCode.NETWORK, `${ns.label}: ${(error as Error)?.message ?? error}`, {
    nameserver: ns.label,
    hostname: name,
    cause: error,
  })
}
