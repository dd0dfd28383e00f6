import { isIP } from 'node:net'
import { LOCAL_ENGINE_NAMESERVER } from '../constants.js'
import type { ConfigIssue } from '../errors.js'
import { formatEndpoint, isCidr, isLoopback, isWildcard, parseHostPort } from './addresses.js'
import { type Config, isNameBackend } from './types.js'

/** Cross-references and facts the schema cannot express; every problem found, in config order. */

export function crossReferenceIssues(config: Config): ConfigIssue[] {
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
    if (name !== undefined && !Object.hasOwn(monitors, name))
      issue(path, `unknown monitor '${name}' (known: ${known(monitors)})`)
  }
  const checkDatacenter = (path: string, name: string | undefined) => {
    if (name !== undefined && !Object.hasOwn(datacenters, name)) {
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
      if (!Object.hasOwn(pools, entry.pool))
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
      const listeners = gslb?.listen ?? []
      if (
        isLoopback(server.address) &&
        looksLikeEngine(listeners, server.address, server.port) &&
        !engineServes(listeners, server.address, server.port)
      ) {
        issue(
          path,
          `${formatEndpoint(server.address, server.port)} looks like this node's engine (same address or port as a ` +
            `gslb.listen entry), but no gslb.listen entry listens there ` +
            `(engine listeners: ${listeners.map((l) => formatEndpoint(l.address, l.port)).join(', ')}); ` +
            `use '${LOCAL_ENGINE_NAMESERVER}' for this node's engine`,
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
        if (!Object.hasOwn(resolvers, backend.resolver)) {
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

/**
 * A loopback nameserver that shares an address or a port with one of this node's engine listeners was meant to be
 * the engine (a typo otherwise). Other loopback nameservers are other DNS servers on this host — a local unbound,
 * systemd-resolved, an engine run by a separate gslb-lb process — and are taken as written.
 */
function looksLikeEngine(
  listeners: readonly { address: string; port: number }[],
  address: string,
  port: number,
) {
  return listeners.some(
    (l) =>
      l.port === port ||
      l.address === address ||
      (isWildcard(l.address) && isIP(l.address) === isIP(address)),
  )
}

function engineServes(
  listeners: readonly { address: string; port: number }[],
  address: string,
  port: number,
) {
  // The engine's IPv6 listeners are IPv6-only: '::' does not serve 127.0.0.1.
  return listeners.some(
    (l) =>
      l.port === port &&
      (l.address === address || (isWildcard(l.address) && isIP(l.address) === isIP(address))),
  )
}
