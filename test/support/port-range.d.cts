/** The kernel's range for outgoing connections' local ports (`/proc/sys/net/ipv4/ip_local_port_range`). */
export function ephemeralRange(): { low: number; high: number }
/** This process's slice of the ports outside the ephemeral range (one slice per jest worker). */
export function portSlice(workerId?: number): { first: number; last: number }
/** A port of this process's slice not handed out before, or undefined when the slice is spent. */
export function nextCandidate(): number | undefined
