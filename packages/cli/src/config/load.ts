import { readFile } from 'node:fs/promises'
import { CliError, ConfigError } from '../errors.js'
import { everyNodeConfig, nodeConfigFrom } from './resolve.js'
import type { Config } from './types.js'

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

/**
 * The text of a config file. A UTF-8 byte order mark (Windows Notepad writes one) is dropped; UTF-16 is refused
 * with what to do about it, instead of a JSON syntax error at line 1.
 */
export function decodeConfigText(buffer: Buffer, file?: string): string {
  if (buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf)
    return buffer.subarray(3).toString('utf8')
  if ((buffer[0] === 0xff && buffer[1] === 0xfe) || (buffer[0] === 0xfe && buffer[1] === 0xff)) {
    throw new ConfigError([{ path: '', message: 'the file is UTF-16 text: save it as UTF-8' }], file)
  }
  return buffer.toString('utf8')
}

/** Reads and parses a config file (not validated). Throws `ConfigError` or `GSLB_CONFIG_UNREADABLE`. */
export async function readConfigFile(file: string, options: { signal?: AbortSignal } = {}): Promise<unknown> {
  let text: string
  try {
    const buffer = await readFile(file, { signal: options.signal })
    if (buffer.length > MAX_CONFIG_BYTES) {
      throw new CliError('GSLB_CONFIG_UNREADABLE', `${file}: larger than ${MAX_CONFIG_BYTES} bytes`)
    }
    text = decodeConfigText(buffer, file)
  } catch (error) {
    if (error instanceof CliError) throw error
    throw new CliError('GSLB_CONFIG_UNREADABLE', `cannot read ${file}: ${(error as Error).message}`, {
      cause: error,
    })
  }
  return parseConfigText(text, file)
}

/**
 * Reads, parses and validates a config file: a single-node file, or a fleet file resolved for `options.node`
 * (default: the host name). Throws `ConfigError` (`GSLB_CONFIG_INVALID`) or `GSLB_CONFIG_UNREADABLE`.
 */
export async function loadConfig(
  file: string,
  options: { signal?: AbortSignal; node?: string | undefined; hostname?: string } = {},
): Promise<Config> {
  const raw = await readConfigFile(file, options.signal ? { signal: options.signal } : {})
  return nodeConfigFrom(
    raw,
    { node: options.node, ...(options.hostname !== undefined ? { hostname: options.hostname } : {}) },
    file,
  )
}

/**
 * What `validate` checks: every node of a fleet file (or only `options.node`), or the one node of a single-node
 * file. Throws `ConfigError` listing every problem of every node.
 */
export async function loadEveryNode(
  file: string,
  options: { node?: string | undefined } = {},
): Promise<Config[]> {
  const raw = await readConfigFile(file)
  if (options.node !== undefined) return [nodeConfigFrom(raw, { node: options.node }, file)]
  return everyNodeConfig(raw, file)
}
