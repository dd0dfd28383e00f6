import type { Command } from 'commander'
import { EXIT, LOG_LEVELS } from '../constants.js'
import { CliError } from '../errors.js'
import type { GslbNode } from '../node/node.js'
import { type CliIo, nodeOption } from './io.js'
import type { ExitSetter } from './simple.js'

/** What to do about the usual reasons a node cannot bind its listeners. */
const START_HINTS: Record<string, string> = {
  EADDRNOTAVAIL:
    'the address is not on this host: a VIP held by the other node? allow binding it with net.ipv4.ip_nonlocal_bind=1 (docs/keepalived.md)',
  EACCES: 'ports below 1024 need CAP_NET_BIND_SERVICE (docs/systemd.md)',
  EADDRINUSE: 'another process (or another gslb-lb) already listens there',
}

/** The system error code behind a (possibly wrapped) start failure, and its hint. */
function startHint(error: unknown): string | undefined {
  let cause: unknown = error
  for (let depth = 0; typeof cause === 'object' && cause !== null && depth < 5; depth++) {
    const hint = START_HINTS[String((cause as { code?: unknown }).code)]
    if (hint) return hint
    cause = (cause as { cause?: unknown }).cause
  }
  return undefined
}

export function registerRunCommand(program: Command, io: CliIo, setExit: ExitSetter): void {
  program
    .command('run')
    .description(
      'run the node: engine, resolvers, services and admin API from one config (SIGHUP reloads, SIGTERM drains)',
    )
    .requiredOption('-c, --config <file>', 'config file (one node, or the whole fleet)')
    .option('--node <name>', 'in a fleet file: the node to run (default: $GSLB_LB_NODE, else the host name)')
    .option('--log-level <level>', `override logging.level (${LOG_LEVELS.join(', ')})`)
    .option('--log-format <format>', 'override logging.format (auto, json, pretty)')
    .action(async (options: { config: string; node?: string; logLevel?: string; logFormat?: string }) => {
      // Loaded on use: `check`, run every second by keepalived, must not pay for the whole node.
      const [{ loadConfig }, { createLogger }, { createNode }] = await Promise.all([
        import('../config/load.js'),
        import('../log.js'),
        import('../node/node.js'),
      ])
      const node = nodeOption(options, io)
      const config = await loadConfig(options.config, { node })
      const logging = { ...config.logging }
      if (options.logLevel !== undefined) {
        if (!(LOG_LEVELS as readonly string[]).includes(options.logLevel)) {
          throw new CliError(
            'GSLB_CLI_USAGE',
            `--log-level: '${options.logLevel}' is not one of ${LOG_LEVELS.join(', ')}`,
          )
        }
        logging.level = options.logLevel as (typeof LOG_LEVELS)[number]
      }
      if (options.logFormat !== undefined) {
        if (!['auto', 'json', 'pretty'].includes(options.logFormat)) {
          throw new CliError(
            'GSLB_CLI_USAGE',
            `--log-format: '${options.logFormat}' is not auto, json or pretty`,
          )
        }
        logging.format = options.logFormat as 'auto' | 'json' | 'pretty'
      }
      const logger = createLogger(logging, io.stdout)
      const { configWarnings } = await import('../config/warnings.js')
      for (const warning of configWarnings(config)) logger.warn({ path: warning.path }, warning.message)
      const gslbNode = createNode({
        config,
        configFile: options.config,
        ...(node !== undefined ? { configNode: node } : {}),
        logger,
      })
      try {
        await gslbNode.start(io.signal ? { signal: io.signal } : {})
      } catch (error) {
        const hint = startHint(error)
        logger.fatal(
          { err: error instanceof Error ? error.message : String(error), ...(hint ? { hint } : {}) },
          'node failed to start',
        )
        setExit(EXIT.failure)
        return
      }
      await runUntilStopped(gslbNode, io)
    })
}

/** Waits for SIGTERM/SIGINT (or `io.signal`), then drains; SIGHUP reloads. A second SIGINT/SIGTERM stops at once. */
export async function runUntilStopped(node: GslbNode, io: CliIo): Promise<void> {
  let stopping: Promise<void> | undefined
  let resolveDone!: () => void
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve
  })
  const shutdown = (why: string) => {
    if (stopping) {
      node.logger.warn({ signal: why }, 'second stop request: closing connections now')
      node.destroy()
      return
    }
    node.logger.info({ signal: why }, 'stopping')
    stopping = node.close().finally(resolveDone)
  }
  const onHup = () => void node.reload()
  const onTerm = () => shutdown('SIGTERM')
  const onInt = () => shutdown('SIGINT')
  const onAbort = () => shutdown('abort')
  if (io.handleSignals) {
    process.on('SIGHUP', onHup)
    process.on('SIGTERM', onTerm)
    process.on('SIGINT', onInt)
  }
  if (io.signal?.aborted) onAbort()
  else io.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    await done
  } finally {
    io.signal?.removeEventListener('abort', onAbort)
    if (io.handleSignals) {
      process.off('SIGHUP', onHup)
      process.off('SIGTERM', onTerm)
      process.off('SIGINT', onInt)
    }
  }
}
