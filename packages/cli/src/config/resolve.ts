import { ConfigError, type ConfigIssue } from '../errors.js'
import {
  adminEndpointOf,
  chooseFleetNode,
  configFingerprint,
  fleetNodeNames,
  fleetNodes,
  fleetStructureIssues,
  isFleetFile,
  type NodeChoice,
  resolveFleetNode,
} from './fleet.js'
import type { Config } from './types.js'
import { validateConfig } from './validate.js'

type Json = Record<string, unknown>

/** For a config resolved from a fleet file: where each of its paths came from in the file. */
const sources = new WeakMap<Config, (path: string) => string>()

/** The path in the file a path of this config came from (itself for a single-node file). */
export function sourcePathOf(config: Config, path: string): string {
  return sources.get(config)?.(path) ?? path
}

/**
 * One node's validated config from a parsed config file: a single-node file as it is, or a fleet file resolved for
 * the chosen node. Either way `config.fleet` says which fleet, which node and the file's fingerprint.
 * Throws `ConfigError` with paths into the file (`fleet.sites.A.services.X.listen[0].address`) and the node.
 */
export function nodeConfigFrom(raw: unknown, choice: NodeChoice = {}, file?: string): Config {
  const fingerprint = configFingerprint(raw)
  if (!isFleetFile(raw)) {
    const config = validateConfig(raw, file)
    if (choice.node !== undefined && choice.node !== config.node.name) {
      throw new ConfigError(
        [
          {
            path: 'node.name',
            message: `is '${config.node.name}', but node '${choice.node}' was asked for (--node or GSLB_LB_NODE)`,
          },
        ],
        file,
      )
    }
    const self = {
      name: config.node.name,
      ...(config.node.site ? { site: config.node.site } : {}),
      admin: adminEndpointOf(config),
    }
    return { ...config, fleet: { fingerprint, node: config.node.name, fleetFile: false, nodes: [self] } }
  }
  const structure = fleetStructureIssues(raw)
  if (structure.length > 0) throw new ConfigError(structure, file)
  const name = chooseFleetNode(raw, choice, file)
  const config = resolvedNodeConfig(raw, name, file)
  const fleetName = (raw.fleet as Json).name
  const view: Config = {
    ...config,
    fleet: {
      ...(typeof fleetName === 'string' ? { name: fleetName } : {}),
      fingerprint,
      node: name,
      fleetFile: true,
      nodes: fleetNodes(raw),
    },
  }
  sources.set(view, resolveFleetNode(raw, name).sourceOf)
  return view
}

function resolvedNodeConfig(raw: Json, name: string, file?: string): Config {
  const resolved = resolveFleetNode(raw, name)
  try {
    return validateConfig(resolved.config, file)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    throw new ConfigError(
      error.issues.map((issue) => ({ ...issue, path: resolved.sourceOf(issue.path), nodes: [name] })),
      file,
    )
  }
}

/**
 * Validates every node of a fleet file (or the one node of a single-node file) and returns their configs. A problem
 * in a shared section is reported once, with every node it affects. Throws `ConfigError` listing them all.
 */
export function everyNodeConfig(raw: unknown, file?: string): Config[] {
  if (!isFleetFile(raw)) return [nodeConfigFrom(raw, {}, file)]
  const structure = fleetStructureIssues(raw)
  if (structure.length > 0) throw new ConfigError(structure, file)
  const configs: Config[] = []
  const issues = new Map<string, ConfigIssue & { nodes: string[] }>()
  for (const name of fleetNodeNames(raw)) {
    try {
      configs.push(nodeConfigFrom(raw, { node: name }, file))
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      for (const issue of error.issues) {
        const key = `${issue.path}\u0000${issue.message}`
        const seen = issues.get(key)
        if (seen) seen.nodes.push(name)
        else issues.set(key, { ...issue, nodes: [name] })
      }
    }
  }
  if (issues.size > 0) throw new ConfigError([...issues.values()], file)
  return configs
}
