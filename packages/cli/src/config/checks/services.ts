import { formatEndpoint } from '../addresses.js'
import { isNameBackend } from '../types.js'
import { type CheckContext, canonical } from './context.js'

/**
 * Services: a tcp or dicom monitor the forwarder can run, known resolvers, one resolver per name, servers listed
 * once. The servers' addresses, the allowed subnets and the rest of a service are the forwarder's rules
 * (validateForwarderOptions).
 */
export function checkServices(context: CheckContext): void {
  const { config, issue, checkAddress, checkMonitor, known } = context
  const monitors = config.monitors ?? {}
  const resolvers = config.resolvers ?? {}
  const nameResolvers = new Map<string, { resolver: string; path: string }>()
  for (const [name, service] of Object.entries(config.services ?? {})) {
    const base = `services.${name}`
    // Listeners are the node's: every one (engine, services, admin API) is checked here, and for clashes.
    for (const [i, endpoint] of service.listen.entries())
      checkAddress(`${base}.listen[${i}].address`, endpoint.address)
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
      const id = formatEndpoint(backend.address, backend.port)
      if (ids.has(id)) issue(path, `server ${id} is listed twice`)
      ids.add(id)
    })
  }
}
