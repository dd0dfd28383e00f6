import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { adminRequest } from '../admin/client.js'
import { EXIT } from '../constants.js'
import { CliError } from '../errors.js'
import { formatStatus, type NodeStatus } from '../status-format.js'
import { type AdminOptions, type CliIo, durationOption, print, printJson, resolveAdmin } from './io.js'

export type ExitSetter = (code: number) => void

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

export function registerSimpleCommands(program: Command, io: CliIo, setExit: ExitSetter): void {
  program
    .command('validate')
    .description('check a config file: schema, unknown keys and cross-references; prints every error')
    .argument('<file>', 'config file')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const { loadConfig } = await import('../config/load.js')
      const config = await loadConfig(file)
      const summary = {
        valid: true,
        file,
        node: config.node.name,
        services: Object.keys(config.services ?? {}).length,
        pools: Object.keys(config.gslb?.pools ?? {}).length,
        resolvers: Object.keys(config.resolvers ?? {}).length,
      }
      if (options.json) printJson(io, summary)
      else
        print(
          io,
          `${file}: valid (node ${summary.node}; ${summary.services} service(s), ${summary.pools} pool(s), ${summary.resolvers} resolver(s))`,
        )
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
      await writeFile(options.output, text)
      print(io, `wrote ${options.output}; edit the addresses, then: gslb-lb validate ${options.output}`)
    })

  adminFlags(
    program
      .command('status')
      .description('sites, pools, members, resolvers, services and connections of the running node')
      .option('--json', 'print the raw status JSON'),
  ).action(async (options: AdminOptions & { json?: boolean }) => {
    const { admin, token } = await resolveAdmin(options, io)
    const response = await adminRequest({ admin, ...(token ? { token } : {}), path: '/status' })
    if (response.status !== 200)
      throw new CliError('GSLB_ADMIN_REFUSED', `GET /status: HTTP ${response.status} ${response.text}`)
    if (options.json) printJson(io, response.body)
    else print(io, formatStatus(response.body as NodeStatus))
  })

  adminFlags(
    program
      .command('check')
      .description(
        'exit 0 when the local node is healthy (admin API answers, engine listening, every service has an up server)',
      )
      .option('--timeout <duration>', 'how long to wait for the node', '1s')
      .option('--json', 'print the verdict as JSON')
      .option('-q, --quiet', 'print nothing; the exit code says it'),
  ).action(async (options: AdminOptions & { timeout: string; json?: boolean; quiet?: boolean }) => {
    const timeout = durationOption(options.timeout, '--timeout')
    const { admin, token } = await resolveAdmin(options, io)
    const response = await adminRequest({ admin, ...(token ? { token } : {}), path: '/check', timeout })
    const verdict = response.body as { healthy?: boolean; reasons?: string[] }
    const healthy = response.status === 200 && verdict.healthy === true
    if (options.json) printJson(io, verdict)
    else if (!options.quiet) {
      print(io, healthy ? 'healthy' : `unhealthy: ${(verdict.reasons ?? [response.text]).join('; ')}`)
    }
    if (!healthy) setExit(EXIT.failure)
  })

  adminFlags(
    program
      .command('reload')
      .description('ask the running node to re-read its config (as SIGHUP does)')
      .option('--json'),
  ).action(async (options: AdminOptions & { json?: boolean }) => {
    const { admin, token } = await resolveAdmin(options, io)
    const response = await adminRequest({
      admin,
      ...(token ? { token } : {}),
      method: 'POST',
      path: '/reload',
      timeout: 30_000,
    })
    const body = response.body as {
      applied?: boolean
      error?: string
      issues?: { path: string; message: string }[]
      changes?: string[]
    }
    if (options.json) printJson(io, body)
    else if (body.applied) {
      print(
        io,
        `reloaded${body.changes && body.changes.length > 0 ? `:\n  ${body.changes.join('\n  ')}` : ' (no changes)'}`,
      )
    } else {
      const issues = (body.issues ?? []).map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n')
      io.stderr.write(
        `reload refused, the node keeps its current config: ${body.error ?? response.text}\n${issues ? `${issues}\n` : ''}`,
      )
    }
    if (response.status === 401 || response.status === 403) setExit(EXIT.failure)
    else if (!body.applied) setExit(response.status === 422 ? EXIT.config : EXIT.failure)
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
      const { admin, token } = await resolveAdmin(options, io)
      const path = `/${kind}s/${encodeURIComponent(group)}/${encodeURIComponent(id)}/${encodeURIComponent(action)}`
      const response = await adminRequest({ admin, ...(token ? { token } : {}), method: 'POST', path })
      if (options.json) printJson(io, response.body)
      else
        print(
          io,
          response.status === 200
            ? `${kind} ${group}/${id}: ${action}`
            : `refused (HTTP ${response.status}): ${response.text}`,
        )
      if (response.status !== 200) setExit(EXIT.failure)
    },
  )
}
