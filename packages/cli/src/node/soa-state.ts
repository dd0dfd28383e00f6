import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { SoaSerialState } from '@gslb/engine'
import type { Logger } from '../log.js'

/** node.stateDir: where the node keeps state across restarts. */
export const DEFAULT_STATE_DIR = '/var/lib/gslb-lb'

/**
 * The state folder: `node.stateDir`, else systemd's `$STATE_DIRECTORY` (set by `StateDirectory=` in the unit; the
 * first entry when it lists several), else /var/lib/gslb-lb.
 */
export function stateDirFor(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (configured !== undefined) return configured
  const fromSystemd = env.STATE_DIRECTORY?.split(':')[0]
  return fromSystemd ? fromSystemd : DEFAULT_STATE_DIR
}
/** The file in `node.stateDir` that keeps the automatic SOA serials across restarts. */
export const SOA_STATE_FILE = 'soa-serials.json'
const MAX_STATE_BYTES = 4 * 1024 * 1024

/**
 * The engine's SOA serial state on disk (docs/decisions: SOA serials from zone content). Never fatal: a missing,
 * unreadable or unwritable file only means serials are derived from zone content alone, which is said once in the
 * log.
 */
export interface SoaStateStore {
  /** The states read at start ({} when there is no usable file). */
  readonly initial: Record<string, SoaSerialState>
  /** Writes the states when they changed (atomically: a temporary file renamed over the old one). */
  save(states: Record<string, SoaSerialState>): void
}

export function openSoaStateStore(dir: string, logger: Logger): SoaStateStore {
  const file = join(dir, SOA_STATE_FILE)
  let saved = ''
  let warned = false
  const initial = readStates(file, logger)
  return {
    initial,
    save(states) {
      const text = `${JSON.stringify(states, null, 2)}\n`
      if (text === saved) return
      const temporary = `${file}.${process.pid}.tmp`
      try {
        mkdirSync(dir, { recursive: true })
        writeFileSync(temporary, text, { mode: 0o644 })
        renameSync(temporary, file)
        saved = text
        if (warned) logger.info({ file }, 'SOA serial state saved again')
        warned = false
      } catch (error) {
        try {
          rmSync(temporary, { force: true })
        } catch {
          // nothing was written
        }
        if (warned) return
        warned = true
        logger.warn(
          { file, err: (error as Error).message },
          'SOA serial state cannot be saved (set node.stateDir to a writable folder): after a restart, serials are derived from zone content only',
        )
      }
    },
  }
}

function readStates(file: string, logger: Logger): Record<string, SoaSerialState> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    // No state yet (a folder that cannot be created is reported by the first save).
    if (code !== 'ENOENT' && code !== 'ENOTDIR') {
      logger.warn(
        { file, err: (error as Error).message },
        'SOA serial state unreadable: serials are derived from zone content only',
      )
    }
    return {}
  }
  const states: Record<string, SoaSerialState> = {}
  try {
    if (text.length > MAX_STATE_BYTES) throw new Error(`larger than ${MAX_STATE_BYTES} bytes`)
    const parsed = JSON.parse(text) as unknown
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not an object')
    for (const [zone, state] of Object.entries(parsed)) {
      const { serial, fingerprint } = (state ?? {}) as Partial<SoaSerialState>
      const serialOk = Number.isInteger(serial) && (serial as number) >= 0 && (serial as number) <= 0xffffffff
      if (serialOk && typeof fingerprint === 'string' && fingerprint.length <= 128) {
        states[zone] = { serial: serial as number, fingerprint }
      }
    }
  } catch (error) {
    logger.warn(
      { file, err: (error as Error).message },
      'SOA serial state is not valid JSON of serials: serials are derived from zone content only',
    )
    return {}
  }
  return states
}
