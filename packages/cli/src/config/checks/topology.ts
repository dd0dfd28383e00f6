import { isCidr } from '../addresses.js'
import type { CheckContext } from './context.js'

/** node.site and the preferences name known datacenters; no subnet belongs to two datacenters. */
export function checkTopology({ config, issue, checkDatacenter }: CheckContext): void {
  checkDatacenter('node.site', config.node.site)
  const cidrOwner = new Map<string, string>()
  for (const [dc, { cidrs }] of Object.entries(config.topology?.datacenters ?? {})) {
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
}
