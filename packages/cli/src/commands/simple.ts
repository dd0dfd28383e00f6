import { existsSync } from 'node:fs'
import { mkdir, stat, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { Command } from 'commander'
import { adminRefusal, adminRequest } from '../admin/client.js'
import { ADMIN_ACTIONS, type AdminAction } from '../admin/server.js'
import type { Config } from '../config/types.js'
import { EXIT } from '../constants.js'
import { CliError, ConfigError, exitCodeOf } from '../errors.js'
import { formatStatus, type NodeStatus } from '../status-format.js'
import { type AdminOptions, type CliIo, durationOption, print, printJson, resolveAdmin } from './io.js'

export type ExitSetter = (code: number) => void

/**
 * `mkdir -p` (mode 0755), one level at a time: Node's recursive mkdir never returns where a parent refuses new
 * entries with ENOENT (under /proc), and a command must fail, not hang.
 */
async function makeFolders(folder: string): Promise<void> {
  const missing: string[] = []
  for (let current = resolve(folder); ; current = dirname(current)) {
    const exists = await stat(current).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false
        throw error
      },
    )
    if (exists || dirname(current) === current) break
    missing.push(current)
  }
  for (const current of missing.reverse()) {
    await mkdir(current, { mode: 0o755 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error
    })
  }
}

const adminErrorText = (response: { body: unknown; text: string }) =>
  (response.body as { error?: string } | null)?.error ?? response.text

const adminFlags = (command: Command) =>
  command
    .option('-c, --config <file>', 'read the admin address and token from this config')
    .option(
      '--admin <address:port>',
      'admin API of the running node (default: from the config, else 127.0.0.1:9180)',
    )
    .option(
      '--token <token>',
      'bearer token for writes (default: $GSLB_LB_TOKEN or admin.token of the config)',
    )
    .option('--node <name>', 'in a fleet file: whose admin API (default: $GSLB_LB_NODE, else the host name)')

export function registerSimpleCommands(program: Command, io: CliIo, setExit: ExitSetter): void {
  program
    .command('validate')
    .description('check a config file: schema, unknown keys and cross-references; prints every error')
    .argument('<file>', 'config file (one node, or a fleet: every node is checked)')
    .option('--node <name>', 'in a fleet file: check only this node')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, options: { json?: boolean; node?: string }) => {
      const [{ loadEveryNode }, { configWarnings }] = await Promise.all([
        import('../config/load.js'),
        import('../config/warnings.js'),
      ])
      let configs: Config[]
      try {
        configs = await loadEveryNode(file, { node: options.node ?? (io.env.GSLB_LB_NODE || undefined) })
      } catch (error) {
        // --json promises JSON on stdout whatever happens; the exit code still says why.
        if (options.json && error instanceof CliError) {
          printJson(io, {
            valid: false,
            file,
            error: {
              code: error.code,
              message: error instanceof ConfigError ? 'invalid configuration' : error.message,
            },
            issues: error instanceof ConfigError ? error.issues : [],
          })
          setExit(exitCodeOf(error))
          return
        }
        throw error
      }
      const { fleetSummary } = await import('../config/fleet-summary.js')
      const { summary, lines } = fleetSummary(file, configs, configWarnings)
      const warnings = summary.warnings
      if (options.json) printJson(io, summary)
      else {
        print(io, lines.join('\n'))
        for (const warning of warnings) {
          const nodes = warning.nodes
            ? ` (node${warning.nodes.length > 1 ? 's' : ''} ${warning.nodes.join(', ')})`
            : ''
          io.stderr.write(`warning: ${warning.path}: ${warning.message}${nodes}\n`)
        }
      }
    })

  program
    .command('init')
    .description('write a commented starting config (two sites, DNS-proxy service, C-ECHO checks)')
    .option('-o, --output <file>', 'file to write; - for stdout', 'gslb-lb.json')
    .option('--force', 'overwrite an existing file')
    .action(async (options: { output: string; force?: boolean }) => {
      const { starterConfig } = await import('../config/init.js')
      const text = `${JSON.stringify(starterConfig(), null, 2)}\n`
      if (options.output === '-') {
        io.stdout.write(text)
        return
      }
      if (existsSync(options.output) && !options.force) {
        throw new CliError('GSLB_CLI_USAGE', `${options.output} exists; use --force to overwrite it`)
      }
      try {
        // getting-started writes /etc/gslb-lb/config.json on a host where the folder does not exist yet.
        await makeFolders(dirname(options.output))
        await writeFile(options.output, text, { flag: options.force ? 'w' : 'wx' })
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'EEXIST')
          throw new CliError('GSLB_CLI_USAGE', `${options.output} exists; use --force to overwrite it`)
        throw new CliError(
          'GSLB_CLI_WRITE_FAILED',
          `cannot write ${options.output}: ${(error as Error).message}`,
          {
            cause: error,
          },
        )
      }
      print(io, `wrote ${options.output}; edit the addresses, then: gslb-lb validate ${options.output}`)
    })

  adminFlags(
    program
      .command('status')
      .description('sites, pools, members, resolvers, services and connections of the running node')
      .option('--json', 'print the raw status JSON'),
  ).action(async (options: AdminOptions & { json?: boolean }) => {
    const { admin, token } = await resolveAdmin(options, io)
    const request = { admin, ...(token ? { token } : {}), path: '/status' }
    const response = await adminRequest(request)
    if (response.status !== 200) throw adminRefusal(request, response)
    if (options.json) printJson(io, response.body)
    else print(io, formatStatus(response.body as NodeStatus))
  })

  adminFlags(
    program
      .command('check')
      .description(
        'exit 0 when the local node is fit to hold its VIPs: admin API answers, not stopping, engine and services listening (a dead PACS or DNS outage the peer shares does not count)',
      )
      .option('--vip <address...>', 'only the services on these VIPs (one keepalived vrrp_instance)')
      .option('--service <name...>', 'only these services')
      .option('--timeout <duration>', 'how long to wait for the node', '1s')
      .option('--json', 'print the verdict as JSON')
      .option('-q, --quiet', 'print nothing; the exit code says it'),
  ).action(
    async (
      options: AdminOptions & {
        vip?: string[]
        service?: string[]
        timeout: string
        json?: boolean
        quiet?: boolean
      },
    ) => {
      const timeout = durationOption(options.timeout, '--timeout')
      const { admin, token } = await resolveAdmin(options, io)
      const query = new URLSearchParams([
        ...(options.vip ?? []).map((vip): [string, string] => ['vip', vip]),
        ...(options.service ?? []).map((service): [string, string] => ['service', service]),
      ])
      const path = `/check${query.size > 0 ? `?${query}` : ''}`
      const response = await adminRequest({ admin, ...(token ? { token } : {}), path, timeout })
      if (response.status === 404) throw new CliError('GSLB_CLI_USAGE', adminErrorText(response))
      const verdict = response.body as { fit?: boolean; reasons?: string[]; shared?: string[] }
      const fit = response.status === 200 && verdict.fit === true
      if (options.json) printJson(io, verdict)
      else if (!options.quiet) {
        const shared = verdict.shared?.length ? ` (shared with the peer: ${verdict.shared.join('; ')})` : ''
        print(io, fit ? `fit${shared}` : `unfit: ${(verdict.reasons ?? [response.text]).join('; ')}`)
      }
      if (!fit) setExit(EXIT.failure)
    },
  )

  adminFlags(
    program
      .command('reload')
      .description('ask the running node to re-read its config (as SIGHUP does)')
      .option('--json'),
  ).action(async (options: AdminOptions & { json?: boolean }) => {
    const { admin, token } = await resolveAdmin(options, io)
    const request = {
      admin,
      ...(token ? { token } : {}),
      method: 'POST' as const,
      path: '/reload',
      timeout: 30_000,
    }
    const response = await adminRequest(request)
    if (response.status !== 200 && response.status !== 422) throw adminRefusal(request, response)
    const body = response.body as {
      applied?: boolean
      error?: string
      issues?: { path: string; message: string }[]
      changes?: string[]
      warnings?: { path: string; message: string }[]
    }
    if (options.json) printJson(io, body)
    else if (body.applied) {
      print(
        io,
        `reloaded${body.changes && body.changes.length > 0 ? `:\n  ${body.changes.join('\n  ')}` : ' (no changes)'}`,
      )
      for (const warning of body.warnings ?? [])
        io.stderr.write(`warning: ${warning.path}: ${warning.message}\n`)
    } else {
      const issues = (body.issues ?? []).map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n')
      io.stderr.write(
        `reload refused, the node keeps its current config: ${body.error ?? response.text}\n${issues ? `${issues}\n` : ''}`,
      )
    }
    if (!body.applied) setExit(response.status === 422 ? EXIT.config : EXIT.failure)
  })

  adminFlags(
    program
      .command('set')
      .description('admin override of a pool member or a service server: drain, force-up, force-down, clear')
      .argument('<kind>', 'member or server')
      .argument('<group>', 'pool (member) or service (server)')
      .argument('<id>', 'member name or server id')
      .argument('<action>', 'drain | force-up | force-down | clear')
      .option('--json'),
  ).action(
    async (
      kind: string,
      group: string,
      id: string,
      action: string,
      options: AdminOptions & { json?: boolean },
    ) => {
      if (kind !== 'member' && kind !== 'server')
        throw new CliError('GSLB_CLI_USAGE', `<kind> must be member or server, not '${kind}'`)
      if (!ADMIN_ACTIONS.includes(action as AdminAction))
        throw new CliError(
          'GSLB_CLI_USAGE',
          `<action> must be one of ${ADMIN_ACTIONS.join(', ')}, not '${action}'`,
        )
      const { admin, token } = await resolveAdmin(options, io)
      const path = `/${kind}s/${encodeURIComponent(group)}/${encodeURIComponent(id)}/${encodeURIComponent(action)}`
      const request = { admin, ...(token ? { token } : {}), method: 'POST' as const, path }
      const response = await adminRequest(request)
      // Unknown pool, member, service or server: the node answered no (exit 1) and says what it has.
      if (response.status !== 200 && response.status !== 404) throw adminRefusal(request, response)
      if (options.json) printJson(io, response.body)
      else if (response.status === 200) print(io, `${kind} ${group}/${id}: ${action}`)
      else io.stderr.write(`refused: ${(response.body as { error?: string }).error ?? response.text}\n`)
      if (response.status !== 200) setExit(EXIT.failure)
    },
  )
}
