import { CliError } from './errors.js'

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }
const SEGMENT = /(\d+(?:\.\d+)?)(ms|s|m|h)/y

/** The pattern the JSON Schema uses for duration strings: one or more `<number><unit>` segments. */
export const DURATION_PATTERN = '^(\\d+(\\.\\d+)?(ms|s|m|h))+$'

/**
 * Milliseconds from a readable duration: `"500ms"`, `"10s"`, `"2m"`, `"1h"`, `"1m30s"`, or a number of ms.
 * Throws `GSLB_CLI_USAGE` naming the value when it is not one.
 */
export function parseDuration(value: string | number, what = 'duration'): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value
    throw new CliError('GSLB_CLI_USAGE', `${what}: ${value} is not a non-negative number of milliseconds`)
  }
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text)
  let total = 0
  SEGMENT.lastIndex = 0
  while (SEGMENT.lastIndex < text.length) {
    const start = SEGMENT.lastIndex
    const match = SEGMENT.exec(text)
    if (!match || match.index !== start) {
      throw new CliError(
        'GSLB_CLI_USAGE',
        `${what}: '${value}' is not a duration (use e.g. "500ms", "10s", "2m", "1h" or a number of ms)`,
      )
    }
    total += Number(match[1]) * (UNIT_MS[match[2]!] ?? 0)
  }
  if (text.length === 0) throw new CliError('GSLB_CLI_USAGE', `${what}: empty duration`)
  return Math.round(total)
}

/** A short readable form of a number of milliseconds: 1500 → "1.5s", 120000 → "2m". */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms}ms`
  if (ms < 60_000) return `${+(ms / 1_000).toFixed(3)}s`
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(3)}m`
  return `${+(ms / 3_600_000).toFixed(3)}h`
}
