import type { ErrorObject, ValidateFunction } from 'ajv'
import { parseDuration } from '../duration.js'
import { ConfigError, type ConfigIssue } from '../errors.js'
import { crossReferenceIssues } from './cross-references.js'
import { libraryIssues } from './library-rules.js'
import { configSchema } from './schema.js'
import { validate as generatedValidator } from './schema-validator.generated.js'
import type { Config } from './types.js'

/** The schema compiled ahead of time by ajv (scripts/gen-config-validator.mjs): no ajv, no compiling at start. */
const schemaValidator = generatedValidator as unknown as ValidateFunction

/**
 * Checks a parsed JSON value against the schema and every cross-reference, and returns the configuration with
 * durations in milliseconds. Throws a `ConfigError` (`GSLB_CONFIG_INVALID`) listing every problem found.
 */
export function validateConfig(input: unknown, file?: string): Config {
  const validate = schemaValidator
  const valid = validate(input)
  const nodeIssues = singleNodeIssues(input)
  if (!valid || nodeIssues.length > 0) {
    throw new ConfigError([...nodeIssues, ...schemaIssues(valid ? [] : (validate.errors ?? []))], file)
  }
  const config = normalizeDurations(withoutComments(input), configSchema, configSchema) as Config
  const issues = onePerPath(crossReferenceIssues(config), libraryIssues(config))
  if (issues.length > 0) throw new ConfigError(issues, file)
  return config
}

/**
 * The node's own rules and the libraries' together, so that one run names every problem. Where both speak of one
 * value (two services on one address:port is also the forwarder's duplicate listener), the node's issue says it.
 */
function onePerPath(nodeIssues: ConfigIssue[], libraryIssues: ConfigIssue[]): ConfigIssue[] {
  const named = new Set(nodeIssues.map((issue) => issue.path))
  return [...nodeIssues, ...libraryIssues.filter((issue) => !named.has(issue.path))]
}

/** The schema lets a fleet file omit `node.name`; one node's config must have it, and no `fleet` section. */
function singleNodeIssues(input: unknown): ConfigIssue[] {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return []
  const record = input as Record<string, unknown>
  if ('fleet' in record)
    return [
      { path: 'fleet', message: 'a fleet file is resolved for one node first (loadConfig(file, { node }))' },
    ]
  if (!('node' in record)) return [{ path: 'node', message: 'is required' }]
  const node = record.node
  if (node !== null && typeof node === 'object' && !('name' in node))
    return [{ path: 'node.name', message: 'is required' }]
  return []
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
