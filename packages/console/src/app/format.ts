/** State words, with a shape beside the colour so that colour is never the only signal. */
const GLYPHS: Record<string, string> = {
  up: '▲',
  down: '▼',
  drain: '◆',
  degraded: '◆',
  unknown: '?',
  online: '▲',
  offline: '▼',
}

export function stateClass(state: string): string {
  if (state === 'up' || state === 'online') return 'state state-up'
  if (state === 'down' || state === 'offline') return 'state state-down'
  if (['drain', 'draining', 'degraded', 'last-known-good'].includes(state)) return 'state state-drain'
  return 'state state-unknown'
}

export function stateGlyph(state: string): string {
  return GLYPHS[state] ?? '•'
}

export function ago(at: number | undefined | null, now = Date.now()): string {
  if (at === undefined || at === null) return '—'
  const seconds = Math.max(0, Math.round((now - at) / 1000))
  if (seconds < 60) return `${seconds} s ago`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes} min ago`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return `${hours} h ${minutes % 60} min ago`
  return `${Math.floor(hours / 24)} days ago`
}

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  const seconds = ms / 1000
  if (seconds < 60) return `${seconds.toFixed(1)} s`
  const minutes = Math.floor(seconds / 60)
  return `${minutes} min ${Math.round(seconds % 60)} s`
}

export function clock(at: number): string {
  const d = new Date(at)
  const pad = (n: number, w = 2) => String(n).padStart(w, '0')
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}

export function isoTime(at: number | undefined | null): string {
  return at === undefined || at === null ? '' : new Date(at).toISOString()
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`
  return `${(n / 1024 ** 3).toFixed(2)} GiB`
}

/** `address:port`, IPv6 in brackets: @gslb/topology's formatter (bundled into the page). */
export { formatHostPort as endpoint } from '@gslb/topology'
