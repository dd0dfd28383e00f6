import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { parseHostPort } from '../config/addresses.js'
import { adminEndpointOf, chooseFleetNode, isFleetFile, resolveFleetNode } from '../config/fleet.js'
import type { Endpoint } from '../config/types.js'
import { DEFAULT_ADMIN_ADDRESS, DEFAULT_ADMIN_PORT } from '../constants.js'
import { parseDuration } from '../duration.js'
import { CliError } from '../errors.js'
import type { IpRunner } from '../routes/ip.js'

/** Where a command writes, and what it reads from its environment; tests pass their own. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
  env: Record<string, string | undefined>
  /** Aborting it ends long-running commands (run, demo) as SIGTERM would. */
  signal?: AbortSignal
  /** Lets `run` install process signal handlers (off in tests). */
  handleSignals?: boolean
  /** Runs iproute2's `ip` for `routes` (default: the system's; tests pass their own). */
  ip?: IpRunner
}

export const SYSTEM_CONFIG = '/etc/gslb-lb/config.json'

const pipeGuarded = new WeakSet<NodeJS.WritableStream>()

/**
 * A reader that stops early (`gslb-lb init -o - | head -1`) closes the pipe, and the next write fails with EPIPE: an
 * 'error' event nobody listens to, which Node turns into a crash with a stack trace. The rest of the output is not
 * wanted, so it is dropped (the stream is destroyed); the command ends as it would have, with its own exit code.
 * Any other error of the stream is thrown, as before.
 */
export function dropOutputOnBrokenPipe(stream: NodeJS.WritableStream): void {
  if (pipeGuarded.has(stream)) return
  pipeGuarded.add(stream)
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return
    throw error
  })
}

export function print(io: CliIo, text = ''): void {
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

export function durationOption(value: string, name: string): number {
  try {
    return parseDuration(value, name)
  } catch (error) {
    throw new CliError('GSLB_CLI_USAGE', (error as Error).message)
  }
}

export function portOption(value: string, name: string): number {
  const port = Number(value)
  if (!/^\d+$/.test(value) || port > 65535)
    throw new CliError('GSLB_CLI_USAGE', `${name}: '${value}' is not a port (0-65535)`)
  return port
}

export interface AdminOptions {
  config?: string
  node?: string
  admin?: string
  token?: string
}

/**
 * Finds a running node's admin API: --admin, else the config's admin section (-c, $GSLB_LB_CONFIG,
 * /etc/gslb-lb/config.json), else 127.0.0.1:9180. The file is read leniently — only `admin` matters here — so a
 * config being edited (invalid for the moment) never makes `check` report a healthy running node as down.
 */
export async function resolveAdmin(
  options: AdminOptions,
  io: CliIo,
): Promise<{ admin: Endpoint; token?: string }> {
  const token = options.token ?? (io.env.GSLB_LB_TOKEN || undefined)
  const withToken = (admin: Endpoint, fallback?: string) => {
    const chosen = token ?? fallback
    return { admin, ...(chosen ? { token: chosen } : {}) }
  }
  if (options.admin) {
    const admin = parseHostPort(options.admin, DEFAULT_ADMIN_PORT)
    if (!admin) throw new CliError('GSLB_CLI_USAGE', `--admin: '${options.admin}' is not address[:port]`)
    return withToken(admin)
  }
  const fallback = { address: DEFAULT_ADMIN_ADDRESS, port: DEFAULT_ADMIN_PORT }
  const file = configFileOption(options, io)
  if (!file) return withToken(fallback)
  let text: string
  try {
    text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '')
  } catch (error) {
    throw new CliError('GSLB_CONFIG_UNREADABLE', `cannot read ${file}: ${(error as Error).message}`, {
      cause: error,
    })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return withToken(fallback)
  }
  // In a fleet file, the chosen node's admin section (its own overlays may move the listener or set the token).
  const nodeView = isFleetFile(parsed)
    ? resolveFleetNode(parsed, chooseFleetNode(parsed, { node: nodeOption(options, io) }, file)).config
    : parsed
  const admin = (nodeView as { admin?: { token?: unknown } } | null)?.admin
  return withToken(adminEndpointOf(nodeView), typeof admin?.token === 'string' ? admin.token : undefined)
}

/** The config file: `-c`, else `$GSLB_LB_CONFIG`, else /etc/gslb-lb/config.json when it exists. */
export function configFileOption(options: { config?: string }, io: CliIo): string | undefined {
  return (
    options.config ??
    (io.env.GSLB_LB_CONFIG || undefined) ??
    (existsSync(SYSTEM_CONFIG) ? SYSTEM_CONFIG : undefined)
  )
}

/** The node asked for: `--node`, else `$GSLB_LB_NODE`; undefined means "this host's name" for a fleet file. */
export function nodeOption(options: { node?: string }, io: CliIo): string | undefined {
  return options.node ?? (io.env.GSLB_LB_NODE || undefined)
}
