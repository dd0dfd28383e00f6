import type { ConfigIssue } from '../errors.js'
import { checkAdmin } from './checks/admin.js'
import { checkContext } from './checks/context.js'
import { checkGslb } from './checks/gslb.js'
import { checkListenerClashes } from './checks/listeners.js'
import { checkResolvers } from './checks/resolvers.js'
import { checkServices } from './checks/services.js'
import { checkTopology } from './checks/topology.js'
import type { Config } from './types.js'

/** The node-level rules the schema cannot express, one named check each; every problem found, in config order. */
const CHECKS = [checkTopology, checkGslb, checkResolvers, checkServices, checkAdmin, checkListenerClashes]

export function crossReferenceIssues(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const context = checkContext(config, issues)
  for (const check of CHECKS) check(context)
  return issues
}
