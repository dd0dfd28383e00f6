import { EventEmitter } from 'node:events'
import { isIP } from 'node:net'
import { networkInterfaces } from 'node:os'
import { isLoopback, isWildcard } from '../config/addresses.js'
import type { Config } from '../config/types.js'

/** The addresses on this host's interfaces now (tests pass their own). */
export type InterfaceAddresses = () => Iterable<string>

/** Every address of every interface, from `os.networkInterfaces()` (a few µs; no system call per address). */
export function hostAddresses(): string[] {
  const out: string[] = []
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) out.push(entry.address)
  }
  return out
}

const normalize = (address: string) => (isIP(address) === 6 ? address.toLowerCase() : address)

/**
 * The VIPs of a config: every specific (not wildcard, not loopback) address a service listens on, with the
 * services on it. keepalived moves these between the nodes of a pair.
 */
export function serviceVips(config: Config): Map<string, string[]> {
  const vips = new Map<string, string[]>()
  for (const [name, service] of Object.entries(config.services ?? {})) {
    for (const { address } of service.listen) {
      if (isWildcard(address) || isLoopback(address)) continue
      const key = normalize(address)
      const services = vips.get(key) ?? []
      if (!services.includes(name)) services.push(name)
      vips.set(key, services)
    }
  }
  return vips
}

export interface VipEvent {
  address: string
  services: string[]
}

export interface VipWatcherEvents {
  /** A service address appeared on this host's interfaces (keepalived made this node the master). */
  'vip:taken': [VipEvent]
  /** A service address left this host's interfaces. */
  'vip:released': [VipEvent]
}

export interface VipWatcherOptions {
  /** The VIPs to watch (asked at every poll: a reload may change them). */
  vips: () => Map<string, string[]>
  source?: InterfaceAddresses
  /** Poll period while running (default 500 ms). */
  intervalMs?: number
}

export const DEFAULT_VIP_POLL_MS = 500

/** Polls this host's interfaces for the service VIPs and reports when one is taken or released. */
export class VipWatcher extends EventEmitter<VipWatcherEvents> {
  readonly #vips: () => Map<string, string[]>
  readonly #source: InterfaceAddresses
  readonly #intervalMs: number
  #held = new Set<string>()
  #timer: ReturnType<typeof setInterval> | undefined

  constructor(options: VipWatcherOptions) {
    super()
    this.#vips = options.vips
    this.#source = options.source ?? hostAddresses
    this.#intervalMs = options.intervalMs ?? DEFAULT_VIP_POLL_MS
  }

  /** Polls now (reporting the VIPs already held as taken), then every interval until `stop()`. */
  start(): void {
    if (this.#timer) return
    this.poll()
    this.#timer = setInterval(() => this.poll(), this.#intervalMs)
    this.#timer.unref()
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** The VIPs on this host at the last poll. */
  held(): string[] {
    return [...this.#held]
  }

  /** Reads the interfaces once and reports the differences; returns the VIPs held now. */
  poll(): string[] {
    const vips = this.#vips()
    let present: Set<string>
    try {
      present = new Set([...this.#source()].map(normalize))
    } catch {
      return this.held() // an unreadable interface list changes nothing
    }
    for (const [address, services] of vips) {
      const isHeld = present.has(address)
      if (isHeld && !this.#held.has(address)) {
        this.#held.add(address)
        this.emit('vip:taken', { address, services })
      } else if (!isHeld && this.#held.has(address)) {
        this.#held.delete(address)
        this.emit('vip:released', { address, services })
      }
    }
    for (const address of this.#held) {
      if (!vips.has(address)) this.#held.delete(address) // no longer a VIP after a reload
    }
    return this.held()
  }

  /**
   * Resolves once no VIP is on this host any more (at once when none is), or after `deadlineMs`, or when `signal`
   * aborts. Says which VIPs were still held.
   */
  async waitUntilReleased(options: {
    deadlineMs: number
    pollMs?: number
    signal?: AbortSignal
  }): Promise<{ released: boolean; held: string[]; waitedMs: number }> {
    const started = Date.now()
    const pollMs = options.pollMs ?? 100
    for (;;) {
      const held = this.poll()
      const waitedMs = Date.now() - started
      if (held.length === 0) return { released: true, held, waitedMs }
      if (waitedMs >= options.deadlineMs || options.signal?.aborted)
        return { released: false, held, waitedMs }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(pollMs, Math.max(1, options.deadlineMs - waitedMs)))
        function done() {
          clearTimeout(timer)
          options.signal?.removeEventListener('abort', done)
          resolve()
        }
        options.signal?.addEventListener('abort', done, { once: true })
      })
    }
  }
}
