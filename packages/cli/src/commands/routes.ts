import type { Command } from 'commander'
import { EXIT } from '../constants.js'
import { CliError } from '../errors.js'
import { type CliIo, configFileOption, nodeOption, print, printJson } from './io.js'
import type { ExitSetter } from './simple.js'

interface RoutesOptions {
  config?: string
  node?: string
  to: string[]
  json?: boolean
}

/**
 * `gslb-lb routes`: whether this host's routes to the node's DICOM peers carry `quickack 1` (decision 0023). Reads
 * the config and the kernel's routes; needs no running node and no privilege.
 */
export function registerRoutesCommand(program: Command, io: CliIo, setExit: ExitSetter): void {
  program
    .command('routes')
    .description(
      "whether this host's routes to the node's DICOM peers (servers, site VIPs, client subnets) acknowledge at once (quickack 1); exit 1 when one does not",
    )
    .option('-c, --config <file>', 'config file (default: $GSLB_LB_CONFIG, else /etc/gslb-lb/config.json)')
    .option('--node <name>', 'in a fleet file: the node (default: $GSLB_LB_NODE, else the host name)')
    .option('--to <address...>', 'more peers to check, e.g. modalities outside the configured subnets', [])
    .option('--json', 'print the result as JSON')
    .action(async (options: RoutesOptions) => {
      const [
        { loadConfig },
        { namesResolvedElsewhere, routePeers, unicastPeer },
        { checkRoutes, formatRouteCheck },
        { systemIp },
      ] = await Promise.all([
        import('../config/load.js'),
        import('../routes/peers.js'),
        import('../routes/check.js'),
        import('../routes/ip.js'),
      ])
      const extra = options.to.map((text) => {
        const peer = unicastPeer(text)
        if ('error' in peer) throw new CliError('GSLB_CLI_USAGE', `--to: '${text}' ${peer.error}`)
        return peer.address
      })
      if (process.platform !== 'linux' && !io.ip)
        throw new CliError(
          'GSLB_ROUTES_UNREADABLE',
          `routes reads Linux's routing table (per-route quickack is Linux's); this is ${process.platform}`,
        )
      const file = configFileOption(options, io)
      if (!file) throw new CliError('GSLB_CLI_USAGE', 'no config: use -c <file>')
      const config = await loadConfig(file, { node: nodeOption(options, io) })
      let check: Awaited<ReturnType<typeof checkRoutes>>
      try {
        check = await checkRoutes(routePeers(config, extra), io.ip ?? systemIp)
      } catch (error) {
        throw new CliError('GSLB_ROUTES_UNREADABLE', `cannot read the routes: ${(error as Error).message}`, {
          cause: error,
        })
      }
      const elsewhere = namesResolvedElsewhere(config)
      if (options.json) printJson(io, { node: config.node.name, ...check, namesResolvedElsewhere: elsewhere })
      else print(io, formatRouteCheck(check, config.node.name, elsewhere))
      if (check.failing > 0) setExit(EXIT.failure)
    })
}
