import { formatCidr, parseCidr } from '@gslb/topology'
import type { ConfigIssue } from '../errors.js'
import { configSchema } from './schema.js'
import type { Config } from './types.js'

type SchemaNode = Record<string, unknown>

/** Every value of a validated config whose schema is `#/$defs/<definition>`, with its path. */
function valuesOf(definition: string, value: unknown, root: SchemaNode): { path: string; value: unknown }[] {
  const found: { path: string; value: unknown }[] = []
  const target = `#/$defs/${definition}`
  const visit = (current: unknown, schemaNode: SchemaNode, path: string): void => {
    if (schemaNode.$ref === target) {
      found.push({ path, value: current })
      return
    }
    if (typeof schemaNode.$ref === 'string') {
      const name = schemaNode.$ref.replace('#/$defs/', '')
      visit(current, ((root.$defs as Record<string, SchemaNode>)[name] ?? {}) as SchemaNode, path)
      return
    }
    if (Array.isArray(current)) {
      const items = schemaNode.items as SchemaNode | undefined
      if (items) for (const [i, item] of current.entries()) visit(item, items, `${path}[${i}]`)
      return
    }
    if (current === null || typeof current !== 'object') return
    const record = current as Record<string, unknown>
    for (const branch of [schemaNode.then, schemaNode.else, ...((schemaNode.oneOf as unknown[]) ?? [])]) {
      if (branch && typeof branch === 'object') visit(current, branch as SchemaNode, path)
    }
    const properties = (schemaNode.properties ?? {}) as Record<string, SchemaNode>
    const additional = schemaNode.additionalProperties
    for (const [key, child] of Object.entries(record)) {
      const childSchema =
        properties[key] ?? (typeof additional === 'object' ? (additional as SchemaNode) : undefined)
      if (childSchema) visit(child, childSchema, path ? `${path}.${key}` : key)
    }
  }
  visit(value, root, '')
  // A value reached through several branches (then/else/oneOf) is reported once.
  const seen = new Set<string>()
  return found.filter((entry) => !seen.has(entry.path) && seen.add(entry.path))
}

/** `10.1.0.5/16` means 10.1.0.0/16 to every component; the author probably meant something else. */
function hostBitsWarning(text: string): string | undefined {
  const slash = text.indexOf('/')
  if (slash < 0) return undefined
  try {
    const network = parseCidr(text)
    const address = parseCidr(text.slice(0, slash))
    if (address.bytes.every((byte, i) => byte === network.bytes[i])) return undefined
    return `'${text}' has host bits set below the /${network.prefixLength}: it is read as ${formatCidr(network)}; write that, or the prefix you meant`
  } catch {
    return undefined // validation reports unparseable subnets
  }
}

/**
 * What a valid config probably does not mean: it runs, but `validate` prints these and `run` logs them.
 * Today: subnets with host bits set (read as their network, silently, by every component).
 */
export function configWarnings(config: Config): ConfigIssue[] {
  const warnings: ConfigIssue[] = []
  for (const { path, value } of valuesOf('cidr', config, configSchema as unknown as SchemaNode)) {
    if (typeof value !== 'string') continue
    const message = hostBitsWarning(value)
    if (message) warnings.push({ path, message })
  }
  return warnings
}
