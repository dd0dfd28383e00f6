import type { CheckContext } from './context.js'

/**
 * The node's own site is a known datacenter. The datacenters' subnets and preferences are the engine's rules
 * (validateEngineConfig), reported at their paths in the file.
 */
export function checkTopology({ config, checkDatacenter }: CheckContext): void {
  checkDatacenter('node.site', config.node.site)
}
