import { isIP } from 'node:net'
import type { Explanation } from '@gslb/engine'
import type { Command } from 'commander'
import { adminRequest } from '../admin/client.js'
import { formatEndpoint } from '../config/addresses.js'
import type { Config } from '../config/types.js'
import { CliError } from '../errors.js'
import { type CliIo, configFileOption, nodeOption, print, printJson, resolveAdmin } from './io.js'
import type { ExitSetter } from './simple.js'

interface ExplainOptions {
  config?: string
  node?: string
  name: string
  client: string
  type: string
  ecs?: string
  assume: string
  down: string[]
  admin?: string
  token?: string
  offline?: boolean
  json?: boolean
}

const STATES = ['up', 'down', 'unknown']

/** Explains offline: an engine built from the config (not listening), with health assumed. */
async function explainOffline(options: ExplainOptions, config: Config): Promise<Explanation> {
  const [{ createEngine }, { engineConfig }] = await Promise.all([
    import('@gslb/engine'),
    import('../config/library-options.js'),
  ])
  const engine = createEngine({ config: engineConfig(config) })
  const down = new Set(options.down)
  for (const member of engine.members()) {
    const state =
      down.has(`${member.pool}/${member.member}`) || down.has(member.member) ? 'down' : options.assume
    engine.setHealth(member.pool, member.member, state as 'up' | 'down' | 'unknown')
  }
  const explanation = engine.explain(options.name, options.type, {
    address: options.client,
    ...(options.ecs ? { ecs: options.ecs } : {}),
  })
  void engine.close()
  return explanation
}

/**
 * Effective state, and what the checks say when an override makes them differ — the words `status` uses
 * (`down (force-down; checks say up)`).
 */
function candidateState(c: Explanation['decisions'][number]['candidates'][number]): string {
  if (c.drained) return `drain (drain; checks say ${c.observed})`
  if (c.observed === c.effective || c.healthSource !== 'checker') return c.effective
  return `${c.effective} (force-${c.effective}; checks say ${c.observed})`
}

export function formatExplanation(e: Explanation): string {
  const out: string[] = []
  const where = e.client.datacenter ? `datacenter ${e.client.datacenter}` : 'no datacenter'
  const ecs = e.client.ecs
    ? e.client.ecsUsed
      ? `, ECS ${e.client.ecs} used`
      : `, ECS ${e.client.ecs} ignored: ${e.client.ecsIgnored}`
    : ''
  out.push(`${e.query.name} ${e.query.type} asked by ${e.client.address} (${where}${ecs})`)
  out.push(`zone: ${e.zone ?? 'none (not authoritative)'}; rcode ${e.rcode}`)
  out.push(
    e.answers.length > 0
      ? `answer: ${e.answers.map((r) => `${r.data} (ttl ${r.ttl})`).join(', ')}`
      : 'answer: (none)',
  )
  for (const d of e.decisions) {
    const order = d.datacenterOrder ? `; site order ${d.datacenterOrder.join(' > ')}` : ''
    out.push(`pool ${d.pool} (${d.method}, maxAnswers ${d.maxAnswers}, ${d.outcome}${order})`)
    const states = d.candidates.map(candidateState)
    const width = Math.max(8, ...states.map((state) => state.length + 2))
    for (const [i, c] of d.candidates.entries()) {
      out.push(
        `  ${c.position !== null ? `#${c.position}` : '  '} ${c.member.padEnd(12)} ${c.address.padEnd(16)} ${(c.datacenter ?? '-').padEnd(6)} ${states[i]!.padEnd(width)}${c.eligible ? 'eligible' : 'not eligible'}`,
      )
    }
    if (d.reason !== e.reason) out.push(`  ${d.reason}`)
  }
  out.push(`why: ${e.reason}`)
  return out.join('\n')
}

export function registerExplainCommand(program: Command, io: CliIo, _setExit: ExitSetter): void {
  program
    .command('explain')
    .description(
      'what the engine would answer for a name and client, and why (asks the running node if it answers)',
    )
    .option('-c, --config <file>', 'config file (default: $GSLB_LB_CONFIG, else /etc/gslb-lb/config.json)')
    .option('--node <name>', 'in a fleet file: the node (default: $GSLB_LB_NODE, else the host name)')
    .requiredOption('--name <name>', 'the name asked for, e.g. dicom.mysite.com')
    .requiredOption('--client <address>', 'the address asking (a resolver or the node itself)')
    .option('--type <type>', 'record type', 'A')
    .option('--ecs <subnet>', 'an EDNS Client Subnet the query carries, e.g. 10.2.3.0/24')
    .option('--assume <state>', 'without a running node: health of every member (up, down, unknown)', 'up')
    .option('--down <member...>', 'without a running node: members assumed down (name or pool/member)', [])
    .option('--admin <address:port>', 'admin API of the running node (default: from the config)')
    .option('--token <token>', 'bearer token (not needed for explain)')
    .option('--offline', 'never ask a running node; assume health as --assume/--down say')
    .option('--json', 'print the explanation as JSON')
    .action(async (options: ExplainOptions) => {
      if (isIP(options.client) === 0)
        throw new CliError('GSLB_CLI_USAGE', `--client: '${options.client}' is not an IP address`)
      if (!STATES.includes(options.assume))
        throw new CliError('GSLB_CLI_USAGE', `--assume: '${options.assume}' is not up, down or unknown`)
      // A running node needs no config file.
      const file = configFileOption(options, io)
      let explanation: Explanation | undefined
      let source = `offline: health assumed ${options.assume}${options.down.length > 0 ? ` except ${options.down.join(', ')} down` : ''}`
      if (!options.offline) {
        const { admin } = await resolveAdmin(
          {
            ...(file ? { config: file } : {}),
            ...(options.admin ? { admin: options.admin } : {}),
            ...(options.node ? { node: options.node } : {}),
          },
          io,
        )
        const query = new URLSearchParams({
          name: options.name,
          client: options.client,
          type: options.type,
          ...(options.ecs ? { ecs: options.ecs } : {}),
        })
        try {
          const response = await adminRequest({ admin, path: `/explain?${query}`, timeout: 1_000 })
          if (response.status === 200) {
            explanation = response.body as Explanation
            source = `live health from the running node at ${formatEndpoint(admin.address, admin.port)}`
          } else if (response.status === 400) {
            throw new CliError('GSLB_CLI_USAGE', (response.body as { error?: string }).error ?? response.text)
          }
        } catch (error) {
          if ((error as CliError).code !== 'GSLB_ADMIN_UNREACHABLE') throw error
          source += ` (no running node at ${formatEndpoint(admin.address, admin.port)})`
        }
      }
      if (!explanation) {
        if (!file) {
          throw new CliError(
            'GSLB_CLI_USAGE',
            'no running node answered and no config was given: use -c <file>',
          )
        }
        const { loadConfig } = await import('../config/load.js')
        const config = await loadConfig(file, { node: nodeOption(options, io) })
        if (!config.gslb) {
          throw new CliError('GSLB_CLI_USAGE', `${file} has no gslb section: there is no engine to explain`)
        }
        try {
          explanation = await explainOffline(options, config)
        } catch (error) {
          throw new CliError('GSLB_CLI_USAGE', (error as Error).message, { cause: error })
        }
      }
      if (options.json) printJson(io, { source, ...explanation })
      else print(io, `${formatExplanation(explanation)}\nhealth: ${source}`)
    })
}
