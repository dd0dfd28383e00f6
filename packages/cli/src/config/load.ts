import { readFile } from 'node:fs/promises'
import { CliError, ConfigError } from '../errors.js'
import type { Config } from './types.js'
import { validateConfig } from './validate.js'

/** Largest config file read; a real one is a few KiB. */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024

/** Parses JSON text, reporting a syntax error with its line and column. */
export function parseConfigText(text: string, file?: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    const message = (error as Error).message
    const position = /position (\d+)/.exec(message)
    let where = ''
    if (position) {
      const offset = Number(position[1])
      const before = text.slice(0, offset).split('\n')
      where = ` (line ${before.length}, column ${before.at(-1)!.length + 1})`
    }
    throw new ConfigError([{ path: '', message: `not valid JSON${where}: ${message}` }], file)
  }
}

/** Reads, parses and validates a config file. Throws `ConfigError` (`GSLB_CONFIG_INVALID`) or `GSLB_CONFIG_UNREADABLE`. */
export async function loadConfig(file: string, options: { signal?: AbortSignal } = {}): Promise<Config> {
  let text: string
  try {
    const buffer = await readFile(file, { signal: options.signal })
    if (buffer.length > MAX_CONFIG_BYTES) {
      throw new CliError('GSLB_CONFIG_UNREADABLE', `${file}: larger than ${MAX_CONFIG_BYTES} bytes`)
    }
    text = buffer.toString('utf8')
  } catch (error) {
    if (error instanceof CliError) throw error
    throw new CliError('GSLB_CONFIG_UNREADABLE', `cannot read ${file}: ${(error as Error).message}`, {
      cause: error,
    })
  }
  return validateConfig(parseConfigText(text, file), file)
}
