import { isCidr } from '../addresses.js'
import { type CheckContext, canonical } from './context.js'

/** The gslb section: zones and names listed once, names inside a zone and on a known pool, pools' members and monitors. */
export function checkGslb(context: CheckContext): void {
  const { config, issue, checkAddress, checkMonitor, checkDatacenter, known } = context
  const gslb = config.gslb
  const pools = gslb?.pools ?? {}
  const monitors = config.monitors ?? {}
  if (!gslb) {
    if (Object.keys(pools).length > 0) issue('gslb', 'is required')
    return
  }
  for (const [i, endpoint] of gslb.listen.entries())
    checkAddress(`gslb.listen[${i}].address`, endpoint.address)
  const zoneNames = new Set<string>()
  gslb.zones.forEach((zone, i) => {
    const name = canonical(zone.name)
    if (zoneNames.has(name)) issue(`gslb.zones[${i}].name`, `zone '${zone.name}' is listed twice`)
    zoneNames.add(name)
  })
  for (const [poolName, pool] of Object.entries(pools)) {
    const base = `gslb.pools.${poolName}`
    checkMonitor(`${base}.monitor`, pool.monitor)
    const monitor = pool.monitor === undefined ? undefined : monitors[pool.monitor]
    if (pool.port === undefined && monitor && monitor.port === undefined) {
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
    if (!Array.isArray(pool.allDown)) continue
    for (const [i, address] of pool.allDown.entries())
      checkAddress(`gslb.pools.${poolName}.allDown[${i}]`, address)
  }
  gslb.zones.forEach((zone, i) => {
    zone.nameservers.forEach((ns, j) => {
      if (typeof ns === 'string') return
      for (const [k, address] of ns.addresses.entries()) {
        checkAddress(`gslb.zones[${i}].nameservers[${j}].addresses[${k}]`, address)
      }
    })
  })
}
