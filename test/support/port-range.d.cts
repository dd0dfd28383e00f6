export interface PortSlice {
  first: number
  last: number
}
/** The kernel's range for outgoing connections' local ports (`/proc/sys/net/ipv4/ip_local_port_range`). */
export function ephemeralRange(): { low: number; high: number }
/** This process's slice of the ports outside the ephemeral range (one per jest worker); undefined when no room. */
export function portSlice(workerId?: number, range?: { low: number; high: number }): PortSlice | undefined
/** A port of the slice not handed out before, or undefined when it is spent or there is no slice. */
export function nextCandidate(slice?: PortSlice | undefined): number | undefined
/** `port` can be bound on `address` for TCP right now (bound, then released). */
export function tcpFree(address: string, port: number): Promise<boolean>
/** `port` can be bound on `address` for UDP right now (bound, then released). */
export function udpFree(address: string, port: number): Promise<boolean>
/**
 * A port free right now for TCP (and UDP when `udp`) on every one of `addresses`, outside the ephemeral range — or,
 * on a host with no room outside it, one the kernel picks.
 */
export function freePort(addresses?: string | readonly string[], options?: { udp?: boolean }): Promise<number>
