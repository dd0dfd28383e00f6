import { createHash } from 'node:crypto'
import { isIP } from 'node:net'
import { hostname as osHostname } from 'node:os'
import { DEFAULT_ADMIN_ADDRESS, DEFAULT_ADMIN_PORT } from '../constants.js'
import { ConfigError, type ConfigIssue } from '../errors.js'
import { configSchema } from './schema.js'
import type { Endpoint } from './types.js'

/**
 * One config for the whole fleet (docs/decisions/0002-one-config-for-the-fleet.md).
 *
 * A fleet file is a node config whose top-level sections are shared by every node, plus a `fleet` section:
 * `fleet.sites.<site>` and `fleet.nodes.<node>` hold partial sections (overlays) merged over the shared ones, in
 * that order. Objects merge key by key, arrays and scalars replace, `null` removes. The resolution is a pure function
 * (file, node name) → the single-node config every other part of the CLI already understands.
 */

/** The top-level sections an overlay may carry (the schema's `fleetOverlay`). */
export const OVERLAY_SECTIONS: readonly string[] = Object.keys(
  configSchema.$defs.fleetOverlay.properties as Record<string, unknown>,
).filter((key) => key !== '$comment')

/** Keys of `fleet.nodes.<node>` that are not overlays. */
const NODE_OWN_KEYS = ['$comment', 'site', 'address'] as const

/** One node of the fleet, as every node of it sees it (the console asks peers through `admin`). */
export interface FleetNodeView {
  name: string
  site?: string
  /** The node's own address on the site network (`fleet.nodes.<node>.address`). */
  address?: string
  /** Where its admin API listens (its resolved `admin.listen`, default 127.0.0.1:9180). */
  admin: Endpoint
}

/** Where a resolved node config came from: the fleet it belongs to (a fleet of one for a single-node file). */
export interface FleetView {
  /** `fleet.name`, when set. */
  name?: string
  /** First 12 hex digits of the SHA-256 of the file's canonical JSON: equal on two nodes ⇔ same config. */
  fingerprint: string
  /** This node's name. */
  node: string
  /** True for a fleet file, false for a single-node file (a fleet of one). */
  fleetFile: boolean
  nodes: FleetNodeView[]
}

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

/** `a.b`, `a[0]`, `a["odd key"]`: the path notation of every config issue. */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`
  if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) return path ? `${path}.${key}` : key
  return `${path}[${JSON.stringify(key)}]`
}

/** The parent of a path (`a.b[0]` → `a.b`, `a` → ``), or undefined at the root. */
function parentPath(path: string): string | undefined {
  if (path === '') return undefined
  const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['))
  return cut <= 0 ? '' : path.slice(0, cut)
}

/** JSON with every object's keys sorted and no whitespace: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (isObject(value)) {
    const keys = Object.keys(value).sort()
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/** The config fingerprint shown by `status`: whitespace and key order do not count, every value does. */
export function configFingerprint(raw: unknown): string {
  return createHash('sha256').update(canonicalJson(raw)).digest('hex').slice(0, 12)
}

/** True when a parsed config file describes a fleet (it has a `fleet` section). */
export function isFleetFile(raw: unknown): raw is Json & { fleet: unknown } {
  return isObject(raw) && 'fleet' in raw
}

/** The node names of a fleet file, in file order (empty when the section is malformed). */
export function fleetNodeNames(raw: unknown): string[] {
  if (!isFleetFile(raw) || !isObject(raw.fleet) || !isObject(raw.fleet.nodes)) return []
  return Object.keys(raw.fleet.nodes)
}

/**
 * What is wrong with the `fleet` section itself (the overlays' contents are checked on each node's resolved view).
 * Empty when the file can be resolved for every node.
 */
export function fleetStructureIssues(raw: Json): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const issue = (path: string, message: string) => issues.push({ path, message })
  const fleet = raw.fleet
  if (!isObject(fleet)) {
    issue('fleet', 'must be an object with nodes (and optionally sites and name)')
    return issues
  }
  if (isObject(raw.node)) {
    for (const key of ['name', 'site']) {
      if (key in raw.node)
        issue(
          `node.${key}`,
          `set per node in a fleet file (the key of fleet.nodes${key === 'site' ? ' and its site' : ''}); remove it here`,
        )
    }
  }
  for (const key of Object.keys(fleet)) {
    if (!['$comment', 'name', 'sites', 'nodes'].includes(key)) issue(joinPath('fleet', key), 'unknown key')
  }
  if (
    'name' in fleet &&
    (typeof fleet.name !== 'string' || fleet.name.length === 0 || fleet.name.length > 64)
  )
    issue('fleet.name', 'must be a string of 1-64 characters')
  const sites = fleet.sites ?? {}
  if (!isObject(sites)) issue('fleet.sites', 'must be an object: site name → overlay')
  else {
    for (const [site, overlay] of Object.entries(sites)) {
      const path = joinPath('fleet.sites', site)
      if (!isIdentifier(site))
        issue(path, `'${site}' is not a valid name (letters, digits, _ - . ; at most 63)`)
      overlayIssues(path, overlay, ['$comment'], issue)
    }
  }
  const nodes = fleet.nodes
  if (!isObject(nodes) || Object.keys(nodes).length === 0) {
    issue('fleet.nodes', 'must be an object with at least one node: node name → { site, address, overlays }')
    return issues
  }
  for (const [name, entry] of Object.entries(nodes)) {
    const path = joinPath('fleet.nodes', name)
    if (!isIdentifier(name))
      issue(path, `'${name}' is not a valid node name (letters, digits, _ - . ; at most 63)`)
    if (!overlayIssues(path, entry, NODE_OWN_KEYS, issue)) continue
    const node = entry as Json
    if ('site' in node) {
      if (typeof node.site !== 'string') issue(`${path}.site`, 'must be a string (a key of fleet.sites)')
      else if (!isObject(sites) || !Object.hasOwn(sites, node.site))
        issue(
          `${path}.site`,
          `unknown site '${node.site}' (known: ${isObject(sites) ? Object.keys(sites).join(', ') || 'none defined' : 'none'})`,
        )
    }
    if ('address' in node && (typeof node.address !== 'string' || isIP(node.address) === 0))
      issue(`${path}.address`, `${JSON.stringify(node.address)} is not an IPv4 or IPv6 address`)
  }
  return issues
}

function isIdentifier(name: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/.test(name)
}

/** Checks that `overlay` is an object of overlay sections (or `ownKeys`); false when it is not an object at all. */
function overlayIssues(
  path: string,
  overlay: unknown,
  ownKeys: readonly string[],
  issue: (path: string, message: string) => void,
): boolean {
  if (!isObject(overlay)) {
    issue(path, 'must be an object')
    return false
  }
  for (const [key, value] of Object.entries(overlay)) {
    if (ownKeys.includes(key)) continue
    if (!OVERLAY_SECTIONS.includes(key)) {
      issue(
        joinPath(path, key),
        `unknown key (an overlay holds ${OVERLAY_SECTIONS.join(', ')}${ownKeys.length > 1 ? `, or ${ownKeys.slice(1).join(', ')}` : ''})`,
      )
    } else if (value !== null && !isObject(value)) {
      issue(joinPath(path, key), 'must be an object (merged over the shared section) or null (removes it)')
    } else if (key === 'node' && isObject(value)) {
      for (const own of ['name', 'site']) {
        if (own in value) issue(joinPath(joinPath(path, key), own), 'is set by the fleet; remove it here')
      }
    }
  }
  return true
}

export interface NodeChoice {
  /** The node asked for explicitly (`--node`, `GSLB_LB_NODE`). */
  node?: string | undefined
  /** Used when no node is asked for in a fleet file (default: the host name, then its first label). */
  hostname?: string
}

/** The node of a fleet file this host runs: the one asked for, else the host name (full, then its first label). */
export function chooseFleetNode(raw: Json, choice: NodeChoice, file?: string): string {
  const names = fleetNodeNames(raw)
  const known = names.join(', ') || 'none'
  if (choice.node !== undefined) {
    if (names.includes(choice.node)) return choice.node
    throw new ConfigError(
      [
        {
          path: 'fleet.nodes',
          message: `no node '${choice.node}' (--node or GSLB_LB_NODE; nodes: ${known})`,
        },
      ],
      file,
    )
  }
  const host = choice.hostname ?? osHostname()
  const short = host.split('.')[0] ?? host
  const found = names.find((name) => name === host) ?? names.find((name) => name === short)
  if (found !== undefined) return found
  throw new ConfigError(
    [
      {
        path: 'fleet.nodes',
        message: `this host ('${host}') is none of the fleet's nodes (${known}): pass --node NAME or set GSLB_LB_NODE`,
      },
    ],
    file,
  )
}

/** A node's resolved (not yet validated) config, and where each of its values was written. */
export interface ResolvedNode {
  /** A single-node config, ready for `validateConfig`. */
  config: Json
  site: string | undefined
  /** The path in the fleet file a path of the resolved config came from (`services.X.listen` → `fleet.sites.A.services.X.listen`). */
  sourceOf(path: string): string
}

/**
 * Resolves node `name` of a fleet file (whose structure passed `fleetStructureIssues`): the shared sections, then
 * the node's site's overlay, then the node's own, and `node.name`/`node.site` from the fleet. Pure.
 */
export function resolveFleetNode(raw: Json, name: string): ResolvedNode {
  const fleet = isObject(raw.fleet) ? raw.fleet : {}
  const nodes = isObject(fleet.nodes) ? fleet.nodes : {}
  const entry = isObject(nodes[name]) ? nodes[name] : {}
  const site = typeof entry.site === 'string' ? entry.site : undefined
  const origins = new Map<string, string>()
  const config: Json = {}
  const shared: Json = {}
  for (const [key, value] of Object.entries(raw)) {
    if (key !== 'fleet' && key !== '$schema') shared[key] = value
  }
  mergeInto(config, shared, '', '', origins)
  if (site !== undefined) {
    const sites = isObject(fleet.sites) ? fleet.sites : {}
    mergeInto(config, overlayOf(sites[site]), '', joinPath('fleet.sites', site), origins)
  }
  const nodePath = joinPath('fleet.nodes', name)
  mergeInto(config, overlayOf(entry), '', nodePath, origins)
  const node: Json = isObject(config.node) ? { ...config.node } : {}
  config.node = { ...node, name, ...(site !== undefined ? { site } : {}) }
  if (!origins.has('node')) origins.set('node', 'node')
  origins.set('node.name', nodePath)
  origins.set('node.site', `${nodePath}.site`)
  return {
    config,
    site,
    sourceOf(path: string) {
      for (let prefix: string | undefined = path; prefix !== undefined; prefix = parentPath(prefix)) {
        const source = origins.get(prefix)
        if (source !== undefined) return source + path.slice(prefix.length)
      }
      return path
    },
  }
}

function overlayOf(entry: unknown): Json {
  const overlay: Json = {}
  if (!isObject(entry)) return overlay
  for (const [key, value] of Object.entries(entry)) {
    if (OVERLAY_SECTIONS.includes(key)) overlay[key] = value
  }
  return overlay
}

/** Merges `layer` into `target` (objects key by key; arrays and scalars replace; null removes), noting origins. */
function mergeInto(
  target: Json,
  layer: Json,
  path: string,
  source: string,
  origins: Map<string, string>,
): void {
  for (const [key, value] of Object.entries(layer)) {
    const childPath = joinPath(path, key)
    const childSource = source ? joinPath(source, key) : childPath
    if (value === null) {
      delete target[key]
      for (const known of [...origins.keys()]) {
        if (known === childPath || known.startsWith(`${childPath}.`) || known.startsWith(`${childPath}[`))
          origins.delete(known)
      }
      continue
    }
    const current = target[key]
    if (isObject(value) && isObject(current)) {
      mergeInto(current, value, childPath, childSource, origins)
      continue
    }
    target[key] = structuredClone(value)
    origins.set(childPath, childSource)
  }
}

/** Every node of a fleet file as every node sees it (lenient: nothing here is validated). */
export function fleetNodes(raw: Json): FleetNodeView[] {
  return fleetNodeNames(raw).map((name) => {
    const entry = ((raw.fleet as Json).nodes as Json)[name]
    const resolved = isObject(entry) ? resolveFleetNode(raw, name).config : {}
    return {
      name,
      ...(isObject(entry) && typeof entry.site === 'string' ? { site: entry.site } : {}),
      ...(isObject(entry) && typeof entry.address === 'string' ? { address: entry.address } : {}),
      admin: adminEndpointOf(resolved),
    }
  })
}

/** `admin.listen` of a (possibly unvalidated) node config, or the default. */
export function adminEndpointOf(config: unknown): Endpoint {
  const listen = isObject(config) && isObject(config.admin) ? config.admin.listen : undefined
  if (
    isObject(listen) &&
    typeof listen.address === 'string' &&
    isIP(listen.address) !== 0 &&
    Number.isInteger(listen.port)
  ) {
    return { address: listen.address, port: listen.port as number }
  }
  return { address: DEFAULT_ADMIN_ADDRESS, port: DEFAULT_ADMIN_PORT }
}
