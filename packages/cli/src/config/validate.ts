import { isIP } from 'node:net'
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import { LOCAL_ENGINE_NAMESERVER } from '../constants.js'
import { parseDuration } from '../duration.js'
import { ConfigError, type ConfigIssue } from '../errors.js'
import { formatEndpoint, isCidr, isLoopback, isWildcard, parseHostPort } from './addresses.js'
import { libraryIssues } from './library-check.js'
import { configSchema } from './schema.js'
import { type Config, isNameBackend } from './types.js'

let compiled: ValidateFunction | undefined

function schemaValidator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv2020({
      strict: true,
      allErrors: true,
      allowUnionTypes: true,
      discriminator: true,
      verbose: true,
    })
    compiled = ajv.compile(configSchema)
  }
  return compiled
}

/**
 * Checks a parsed JSON value against the schema and every cross-reference, and returns the configuration with
 * durations in milliseconds. Throws a `ConfigError` (`GSLB_CONFIG_INVALID`) listing every problem found.
 */
export function validateConfig(input: unknown, file?: string): Config {
  const validate = schemaValidator()
  if (!validate(input)) {
    throw new ConfigError(schemaIssues(validate.errors ?? []), file)
  }
  const config = normalizeDurations(withoutComments(input), configSchema, configSchema) as Config
  const issues = crossReferenceIssues(config)
  if (issues.length > 0) throw new ConfigError(issues, file)
  const deep = libraryIssues(config)
  if (deep.length > 0) throw new ConfigError(deep, file)
  return config
}

/** A copy without `$comment` and `$schema` keys: they are for people and editors, not for the components. */
function withoutComments(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutComments)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [key, child] of Object.entries(value)) {
    if (key !== '$comment' && key !== '$schema') out[key] = withoutComments(child)
  }
  return out
}

// --- schema errors → `path: message` ---

function pathOf(pointer: string): string {
  let out = ''
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (/^\d+$/.test(key)) out += `[${key}]`
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) out += out ? `.${key}` : key
    else out += `[${JSON.stringify(key)}]`
  }
  return out
}

function join(path: string, key: string): string {
  if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) return path ? `${path}.${key}` : key
  return `${path}[${JSON.stringify(key)}]`
}

function describe(error: ErrorObject): string {
  const description = (error.parentSchema as { description?: string } | undefined)?.description
  if (!description) return 'the expected format'
  return description.charAt(0).toLowerCase() + description.slice(1).replace(/\.$/, '')
}

function schemaIssues(errors: ErrorObject[]): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const seen = new Set<string>()
  const add = (path: string, message: string) => {
    const key = `${path}\u0000${message}`
    if (seen.has(key)) return
    seen.add(key)
    issues.push({ path, message })
  }
  for (const error of errors) {
    // A bad key inside propertyNames is reported once, by the 'propertyName' error.
    if (error.propertyName !== undefined && error.keyword !== 'propertyName') continue
    const path = pathOf(error.instancePath)
    const params = error.params as Record<string, unknown>
    switch (error.keyword) {
      case 'if':
        break // the nested errors say what is wrong
      case 'additionalProperties':
        add(join(path, String(params.additionalProperty)), 'unknown key')
        break
      case 'required':
        add(join(path, String(params.missingProperty)), 'is required')
        break
      case 'enum':
        add(
          path,
          `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
        )
        break
      case 'const':
        add(path, `must be ${JSON.stringify(params.allowedValue)}`)
        break
      case 'discriminator':
        add(join(path, 'type'), 'must be one of "tcp", "dicom", "http", "https", "dns", "external"')
        break
      case 'pattern':
        add(path, `${JSON.stringify(error.data)} is not valid: expected ${describe(error)}`)
        break
      case 'propertyNames':
        add(
          path,
          `${JSON.stringify(params.propertyName)} is not a valid name (letters, digits, _ - . ; at most 63)`,
        )
        break
      case 'type':
        add(path, `must be ${String(params.type).replace(',', ' or ')}`)
        break
      default:
        add(path, error.message ?? error.keyword)
    }
  }
  return issues
}

// --- durations: wherever the schema says `#/$defs/duration`, turn the value into milliseconds ---

type SchemaNode = Record<string, unknown>

function resolveRef(node: SchemaNode, root: SchemaNode): SchemaNode {
  const target = node.$ref
  if (typeof target !== 'string') return node
  const name = target.replace('#/$defs/', '')
  return ((root.$defs as Record<string, SchemaNode>)[name] ?? {}) as SchemaNode
}

function normalizeDurations(value: unknown, schemaNode: SchemaNode, root: SchemaNode): unknown {
  if (schemaNode.$ref === '#/$defs/duration') return parseDuration(value as string | number)
  const node = resolveRef(schemaNode, root)
  if (node !== schemaNode) return normalizeDurations(value, node, root)
  if (Array.isArray(value)) {
    const items = node.items as SchemaNode | undefined
    return items ? value.map((item) => normalizeDurations(item, items, root)) : value
  }
  if (value === null || typeof value !== 'object') return value
  const record = value as Record<string, unknown>
  // Conditional and tagged schemas: pick the branch that applies to this value.
  if (node.if && node.then && node.else) {
    const branch = 'name' in record ? node.then : node.else
    return normalizeDurations(value, branch as SchemaNode, root)
  }
  if (Array.isArray(node.oneOf)) {
    const branch = (node.oneOf as SchemaNode[]).find((candidate) => {
      const tag = (candidate.properties as Record<string, SchemaNode>).type
      return tag?.const === record.type || (Array.isArray(tag?.enum) && tag.enum.includes(record.type))
    })
    return branch ? normalizeDurations(value, branch, root) : value
  }
  const properties = (node.properties ?? {}) as Record<string, SchemaNode>
  const additional = node.additionalProperties
  for (const [key, child] of Object.entries(record)) {
    const childSchema =
      properties[key] ?? (typeof additional === 'object' ? (additional as SchemaNode) : undefined)
    if (childSchema) record[key] = normalizeDurations(child, childSchema, root)
  }
  return record
}

// --- cross-references and facts the schema cannot express ---

function crossReferenceIssues(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const issue = (path: string, message: string) => issues.push({ path, message })
  const datacenters = config.topology?.datacenters ?? {}
  const monitors = config.monitors ?? {}
  const resolvers = config.resolvers ?? {}
  const pools = config.gslb?.pools ?? {}
  const known = (map: Record<string, unknown>) => Object.keys(map).join(', ') || 'none defined'

  const checkAddress = (path: string, address: string) => {
    if (isIP(address) === 0) issue(path, `'${address}' is not an IPv4 or IPv6 address`)
  }
  const checkMonitor = (path: string, name: string | undefined) => {
    if (name !== undefined && !(name in monitors))
      issue(path, `unknown monitor '${name}' (known: ${known(monitors)})`)
  }
  const checkDatacenter = (path: string, name: string | undefined) => {
    if (name !== undefined && !(name in datacenters)) {
      issue(path, `unknown datacenter '${name}' (known: ${known(datacenters)})`)
    }
  }

  checkDatacenter('node.site', config.node.site)

  const cidrOwner = new Map<string, string>()
  for (const [dc, { cidrs }] of Object.entries(datacenters)) {
    cidrs.forEach((cidr, i) => {
      const path = `topology.datacenters.${dc}.cidrs[${i}]`
      if (!isCidr(cidr)) issue(path, `'${cidr}' is not a subnet (expected e.g. 10.1.0.0/16)`)
      const owner = cidrOwner.get(cidr)
      if (owner !== undefined && owner !== dc)
        issue(path, `'${cidr}' is also listed in datacenter '${owner}'`)
      cidrOwner.set(cidr, dc)
    })
  }
  for (const [dc, order] of Object.entries(config.topology?.preferences ?? {})) {
    checkDatacenter(`topology.preferences.${dc}`, dc)
    order.forEach((name, i) => {
      checkDatacenter(`topology.preferences.${dc}[${i}]`, name)
      if (name === dc)
        issue(`topology.preferences.${dc}[${i}]`, `'${dc}' is the datacenter itself; it always comes first`)
    })
  }

  // Who listens where, to find two listeners on one address:port.
  const tcpListeners: { path: string; owner: string; address: string; port: number }[] = []

  const gslb = config.gslb
  if (gslb) {
    gslb.listen.forEach((endpoint, i) => {
      checkAddress(`gslb.listen[${i}].address`, endpoint.address)
      tcpListeners.push({ path: `gslb.listen[${i}]`, owner: 'the GSLB engine', ...endpoint })
    })
    const zoneNames = new Set<string>()
    gslb.zones.forEach((zone, i) => {
      const name = canonical(zone.name)
      if (zoneNames.has(name)) issue(`gslb.zones[${i}].name`, `zone '${zone.name}' is listed twice`)
      zoneNames.add(name)
    })
    for (const [poolName, pool] of Object.entries(pools)) {
      const base = `gslb.pools.${poolName}`
      checkMonitor(`${base}.monitor`, pool.monitor)
      if (
        pool.port === undefined &&
        pool.monitor !== undefined &&
        monitors[pool.monitor] &&
        monitors[pool.monitor]!.port === undefined
      ) {
        issue(
          `${base}.port`,
          `is required: monitor '${pool.monitor}' sets no port, so there is no port to check`,
        )
      }
      const memberNames = new Set<string>()
      pool.members.forEach((member, i) => {
        const path = `${base}.members[${i}]`
        if (memberNames.has(member.name)) issue(`${path}.name`, `member '${member.name}' is listed twice`)
        memberNames.add(member.name)
        checkAddress(`${path}.address`, member.address)
        if (member.monitorAddress !== undefined) checkAddress(`${path}.monitorAddress`, member.monitorAddress)
        checkDatacenter(`${path}.datacenter`, member.datacenter)
        if (pool.method === 'topology' && member.datacenter === undefined) {
          issue(`${path}.datacenter`, "is required when the pool's method is 'topology'")
        }
      })
    }
    const globalNames = new Set<string>()
    gslb.names?.forEach((entry, i) => {
      const path = `gslb.names[${i}]`
      const name = canonical(entry.name)
      if (globalNames.has(name)) issue(`${path}.name`, `'${entry.name}' is listed twice`)
      globalNames.add(name)
      if (!(entry.pool in pools))
        issue(`${path}.pool`, `unknown pool '${entry.pool}' (known: ${known(pools)})`)
      if (![...zoneNames].some((zone) => name === zone || name.endsWith(`.${zone}`))) {
        issue(`${path}.name`, `'${entry.name}' is not inside any zone in gslb.zones`)
      }
    })
    gslb.ecs?.trusted?.forEach((cidr, i) => {
      if (!isCidr(cidr)) issue(`gslb.ecs.trusted[${i}]`, `'${cidr}' is not a subnet`)
    })
    for (const [poolName, pool] of Object.entries(pools)) {
      if (Array.isArray(pool.allDown)) {
        for (const [i, address] of pool.allDown.entries())
          checkAddress(`gslb.pools.${poolName}.allDown[${i}]`, address)
      }
    }
    gslb.zones.forEach((zone, i) => {
      zone.nameservers.forEach((ns, j) => {
        if (typeof ns === 'string') return
        for (const [k, address] of ns.addresses.entries()) {
          checkAddress(`gslb.zones[${i}].nameservers[${j}].addresses[${k}]`, address)
        }
      })
    })
  } else if (Object.keys(pools).length > 0) {
    issue('gslb', 'is required')
  }

  for (const [name, resolver] of Object.entries(resolvers)) {
    resolver.nameservers.forEach((entry, i) => {
      const path = `resolvers.${name}.nameservers[${i}]`
      if (entry === LOCAL_ENGINE_NAMESERVER) {
        if (!gslb)
          issue(
            path,
            `'${LOCAL_ENGINE_NAMESERVER}' means this node's GSLB engine, but gslb is not configured`,
          )
        return
      }
      const server = parseHostPort(entry, 53)
      if (!server) {
        issue(
          path,
          `'${entry}' is not address[:port] (e.g. 10.0.0.2, 127.0.0.1:53, [::1]:53) or '${LOCAL_ENGINE_NAMESERVER}'`,
        )
        return
      }
      if (isLoopback(server.address) && !engineServes(gslb?.listen ?? [], server.address, server.port)) {
        issue(
          path,
          `${formatEndpoint(server.address, server.port)} is this node, but no gslb.listen entry listens there ` +
            `(engine listeners: ${(gslb?.listen ?? []).map((l) => formatEndpoint(l.address, l.port)).join(', ') || 'none'})`,
        )
      }
    })
  }

  const nameResolvers = new Map<string, { resolver: string; path: string }>()
  for (const [name, service] of Object.entries(config.services ?? {})) {
    const base = `services.${name}`
    service.listen.forEach((endpoint, i) => {
      checkAddress(`${base}.listen[${i}].address`, endpoint.address)
      tcpListeners.push({ path: `${base}.listen[${i}]`, owner: `service '${name}'`, ...endpoint })
    })
    checkMonitor(`${base}.monitor`, service.monitor)
    const monitor = service.monitor === undefined ? undefined : monitors[service.monitor]
    if (monitor && monitor.type !== 'tcp' && monitor.type !== 'dicom') {
      issue(
        `${base}.monitor`,
        `monitor '${service.monitor}' is of type ${monitor.type}; services check servers with tcp or dicom monitors`,
      )
    }
    if (monitor?.type === 'tcp' && (monitor.send !== undefined || monitor.expect !== undefined)) {
      issue(
        `${base}.monitor`,
        `monitor '${service.monitor}' uses send/expect, which service checks do not support (a plain tcp connect or dicom)`,
      )
    }
    if (monitor && monitor.port !== undefined) {
      issue(
        `${base}.monitor`,
        `monitor '${service.monitor}' sets a port; service checks use each server's own port`,
      )
    }
    service.allow?.forEach((cidr, i) => {
      if (!isCidr(cidr)) issue(`${base}.allow[${i}]`, `'${cidr}' is not a subnet`)
    })
    const ids = new Set<string>()
    service.backends.forEach((backend, i) => {
      const path = `${base}.backends[${i}]`
      if (isNameBackend(backend)) {
        if (!(backend.resolver in resolvers)) {
          issue(`${path}.resolver`, `unknown resolver '${backend.resolver}' (known: ${known(resolvers)})`)
        }
        const key = canonical(backend.name)
        const other = nameResolvers.get(key)
        if (other && other.resolver !== backend.resolver) {
          issue(
            `${path}.resolver`,
            `'${backend.name}' is already resolved by resolver '${other.resolver}' (${other.path}); one name, one resolver`,
          )
        } else nameResolvers.set(key, { resolver: backend.resolver, path: `${path}.resolver` })
        return
      }
      checkAddress(`${path}.address`, backend.address)
      const id = formatEndpoint(backend.address, backend.port)
      if (ids.has(id)) issue(path, `server ${id} is listed twice`)
      ids.add(id)
    })
  }

  const admin = config.admin
  if (admin?.listen) {
    checkAddress('admin.listen.address', admin.listen.address)
    tcpListeners.push({ path: 'admin.listen', owner: 'the admin API', ...admin.listen })
    if (!isLoopback(admin.listen.address) && !admin.token) {
      issue(
        'admin.token',
        `is required because admin.listen (${admin.listen.address}) is not a loopback address`,
      )
    }
  }

  for (let i = 0; i < tcpListeners.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = tcpListeners[i]!
      const b = tcpListeners[j]!
      if (a.port === 0 || a.port !== b.port) continue
      if (overlaps(a.address, b.address)) {
        issue(a.path, `${formatEndpoint(a.address, a.port)} is also used by ${b.owner} (${b.path})`)
      }
    }
  }
  return issues
}

function canonical(name: string): string {
  return name.toLowerCase().replace(/\.$/, '')
}

function overlaps(a: string, b: string): boolean {
  if (a === b) return true
  if (isIP(a) !== isIP(b)) return a === '::' || b === '::'
  return isWildcard(a) || isWildcard(b)
}

function engineServes(
  listeners: readonly { address: string; port: number }[],
  address: string,
  port: number,
) {
  return listeners.some(
    (l) =>
      l.port === port &&
      (l.address === address ||
        l.address === '::' ||
        (isWildcard(l.address) && isIP(l.address) === isIP(address))),
  )
}
