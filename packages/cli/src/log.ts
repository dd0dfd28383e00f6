import { type DestinationStream, type Logger, pino } from 'pino'
import type { LoggingConfig } from './config/types.js'

export type { Logger }

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
}
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name'])

/** One pino JSON line → `12:00:01.250 INFO  message key=value …` (for people watching a terminal). */
export function formatLogLine(line: string): string {
  let record: Record<string, unknown>
  try {
    record = JSON.parse(line) as Record<string, unknown>
  } catch {
    return line
  }
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString().slice(11, 23) : ''
  const level = (LEVEL_NAMES[record.level as number] ?? String(record.level)).padEnd(5)
  const fields = Object.entries(record)
    .filter(([key]) => !OMIT.has(key))
    .map(
      ([key, value]) =>
        `${key}=${typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value)}`,
    )
  return `${time} ${level} ${String(record.msg ?? '')}${fields.length > 0 ? ` ${fields.join(' ')}` : ''}\n`
}

/** A pino destination that writes readable lines to `out`. */
export function prettyDestination(out: NodeJS.WritableStream): DestinationStream {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line) out.write(formatLogLine(line))
    },
  }
}

/** The node's logger: JSON lines (one per event), readable when `format` is pretty or auto on a TTY. */
export function createLogger(
  config: LoggingConfig = {},
  out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): Logger {
  const format = config.format ?? 'auto'
  const pretty = format === 'pretty' || (format === 'auto' && out.isTTY === true)
  const destination: DestinationStream = pretty
    ? prettyDestination(out)
    : { write: (chunk: string) => void out.write(chunk) }
  return pino({ level: config.level ?? 'info', base: undefined }, destination)
}
