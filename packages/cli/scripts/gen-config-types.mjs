// Writes src/config/types.generated.ts, the TypeScript shape of a validated config, from the JSON Schema
// (schema/gslb-lb.schema.json, which a unit test keeps equal to src/config/schema.ts). The schema is the one source of
// truth; see docs/decisions/0015-config-types-from-schema.md.
//
//   node scripts/gen-config-types.mjs            rewrite the file
//   node scripts/gen-config-types.mjs --check    exit 1 when the file is not what the schema gives (CI, unit tier)
//   --schema <file> --out <file>                 other paths (the generator's own test)
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const DEFAULT_SCHEMA = fileURLToPath(new URL('../schema/gslb-lb.schema.json', import.meta.url))
const DEFAULT_OUT = fileURLToPath(new URL('../src/config/types.generated.ts', import.meta.url))

/** Names of the generated types, by the schema location they come from (`#/$defs/x`, or a path below one). */
const NAMES = {
  '#': 'ConfigFile',
  '#/$defs/endpoint': 'Endpoint',
  '#/$defs/node': 'NodeConfig',
  '#/$defs/fleet': 'FleetConfig',
  '#/$defs/fleetOverlay': 'FleetOverlay',
  '#/$defs/fleetNode': 'FleetNodeConfig',
  '#/$defs/topology': 'TopologyConfig',
  '#/$defs/topology/properties/datacenters/additionalProperties': 'DatacenterConfig',
  '#/$defs/health': 'HealthConfig',
  '#/$defs/health/properties/defaults': 'Thresholds',
  '#/$defs/monitor': 'MonitorConfig',
  '#/$defs/gslb': 'GslbConfig',
  '#/$defs/gslb/properties/zones/items': 'ZoneConfig',
  '#/$defs/gslb/properties/zones/items/properties/soa': 'SoaConfig',
  '#/$defs/gslb/properties/zones/items/properties/nameservers/items/then': 'GluedNameserver',
  '#/$defs/gslb/properties/zones/items/properties/records/items': 'RecordConfig',
  '#/$defs/gslb/properties/names/items': 'GlobalNameConfig',
  '#/$defs/gslb/properties/ecs': 'EcsConfig',
  '#/$defs/pool': 'PoolConfig',
  '#/$defs/resolver': 'ResolverConfig',
  '#/$defs/backend': 'BackendConfig',
  '#/$defs/addressBackend': 'AddressBackend',
  '#/$defs/nameBackend': 'NameBackend',
  '#/$defs/service': 'ServiceConfig',
  '#/$defs/service/properties/limits': 'ServiceLimits',
  '#/$defs/service/properties/passive': 'PassiveHealth',
  '#/$defs/admin': 'AdminConfig',
  '#/$defs/logging': 'LoggingConfig',
}

/**
 * Where the config's shape IS a library's options shape, the generated type is the library's type (no copy), and a
 * type-level check that the schema describes exactly that type is generated beside it: typechecking fails when the
 * two part. `own` lists the keys the config adds to the library's type.
 */
const LIBRARY_TYPES = {
  '#/$defs/pool/properties/members/items': { name: 'MemberConfig', from: '@gslb/engine' },
  '#/$defs/pool/properties/method': { name: 'PoolMethod', from: '@gslb/engine' },
  '#/$defs/pool/properties/allDown': { name: 'AllDownAction', from: '@gslb/engine' },
  '#/$defs/gslb/properties/zones/items/properties/records/items': {
    name: 'StaticRecordConfig',
    from: '@gslb/engine',
  },
  '#/$defs/gslb/properties/names/items': {
    name: 'GlobalNameConfig',
    from: '@gslb/engine',
    as: 'EngineGlobalName',
    own: ['name'],
  },
  '#/$defs/gslb/properties/ecs': { name: 'EcsConfig', from: '@gslb/engine', as: 'EngineEcsConfig' },
  '#/$defs/addressBackend': { name: 'StaticBackend', from: '@gslb/forwarder' },
  '#/$defs/nameBackend': {
    name: 'NameBackend',
    from: '@gslb/forwarder',
    as: 'ForwarderNameBackend',
    own: ['resolver'],
  },
  '#/$defs/service/properties/balance': { name: 'BalanceMethod', from: '@gslb/forwarder' },
}

/** Keys the validated config no longer has (validateConfig drops them): they are for people and editors. */
const DROPPED_KEYS = new Set(['$comment', '$schema'])

const PRIMITIVES = { string: 'string', integer: 'number', number: 'number', boolean: 'boolean', null: 'null' }

const pascal = (text) => text.replace(/(^|[^A-Za-z0-9])([a-z])/g, (_, __, c) => c.toUpperCase())
const literal = (value) =>
  typeof value === 'string' ? `'${value.replace(/[\\']/g, '\\$&')}'` : String(value)
const comment = (text, indent) => (text ? `${indent}/** ${text.replace(/\*\//g, '*\\/')} */\n` : '')

/** The generated TypeScript text for a schema object. Throws on a schema construct it does not know. */
export function generateConfigTypes(schema) {
  const declarations = [] // the text of each exported type, in the order of first use
  const declared = new Map() // location → name
  const imports = new Map() // from → Set of 'Name' or 'Name as Alias'
  const checks = [] // type-level agreement checks: [library type, schema shape]
  const objectsDeclared = new Map() // name → the object schema it was written from

  const defOf = (ref) => {
    const name = ref.replace(/^#\/\$defs\//, '')
    const def = schema.$defs?.[name]
    if (!def) throw new Error(`unknown $ref ${ref}`)
    return [def, `#/$defs/${name}`]
  }

  const libraryType = (location) => {
    const library = LIBRARY_TYPES[location]
    if (!library) return undefined
    const local = library.as ?? library.name
    if (!imports.has(library.from)) imports.set(library.from, new Set())
    imports.get(library.from).add(library.as ? `${library.name} as ${library.as}` : library.name)
    return { ...library, local }
  }

  /** A type expression for `node`; object schemas become named declarations. */
  function typeOf(node, location) {
    if (node === true) return 'unknown'
    if (node.$ref) {
      if (node.$ref === '#/$defs/duration') return 'number' // milliseconds once validated
      const [def, defLocation] = defOf(node.$ref)
      return typeOf(def, defLocation)
    }
    if (declared.has(location)) return declared.get(location)
    const library = libraryType(location)
    if (library && !library.own) {
      checks.push([library.local, inlineShape(node, location)])
      if (!NAMES[location]) return library.local
      return declare(location, node, () => library.local)
    }
    if (node.const !== undefined) return literal(node.const)
    if (node.enum) return node.enum.map(literal).join(' | ')
    if (node.oneOf) return declare(location, node, () => union(node.oneOf, location, 'oneOf'))
    if (node.if) {
      const either = () =>
        [typeOf(node.then, `${location}/then`), typeOf(node.else, `${location}/else`)].join(' | ')
      return NAMES[location] ? declare(location, node, either) : either()
    }
    const types = Array.isArray(node.type) ? node.type : [node.type]
    return types.map((type) => typeOfType(type, node, location)).join(' | ')
  }

  function typeOfType(type, node, location) {
    if (type === 'array') {
      const item = typeOf(node.items ?? true, `${location}/items`)
      return /[ |]/.test(item) ? `(${item})[]` : `${item}[]`
    }
    if (type === 'object') {
      if (node.properties) return declare(location, node, () => objectBody(node, location))
      if (node.additionalProperties && typeof node.additionalProperties === 'object')
        return `Record<string, ${typeOf(node.additionalProperties, `${location}/additionalProperties`)}>`
      return 'Record<string, unknown>'
    }
    if (type === 'string' && typeof node.pattern === 'string') {
      // A pattern that only lists words (`^(any|refuse|empty)$`) is those words.
      const words = /^\^\(([A-Za-z0-9_-]+(?:\|[A-Za-z0-9_-]+)*)\)\$$/.exec(node.pattern)
      if (words) return words[1].split('|').map(literal).join(' | ')
    }
    const primitive = PRIMITIVES[type]
    if (!primitive) throw new Error(`${location}: no TypeScript type for schema type ${JSON.stringify(type)}`)
    return primitive
  }

  function declare(location, node, body) {
    const name = NAMES[location] ?? autoName(location, node)
    if ([...declared.values()].includes(name)) throw new Error(`${location}: type name ${name} is taken`)
    declared.set(location, name)
    const index = declarations.length
    declarations.push(undefined) // keep the order of first use
    const text = body()
    const doc = comment(node.description, '')
    const anInterface = text.startsWith('{') || text.startsWith('extends ')
    declarations[index] = `${doc}export ${anInterface ? `interface ${name} ` : `type ${name} = `}${text}\n`
    return name
  }

  function autoName(location, node) {
    const tag = node.properties?.type?.const ?? node.properties?.type?.enum?.[0]
    const variant = /^(#\/\$defs\/[^/]+)\/oneOf\/\d+$/.exec(location)
    if (variant && typeof tag === 'string')
      return `${pascal(tag)}${(NAMES[variant[1]] ?? '').replace(/Config$/, '')}`
    throw new Error(`${location}: name this type in NAMES of scripts/gen-config-types.mjs`)
  }

  function union(variants, location, key) {
    // Keys every variant shares with the same schema go to a common interface the variants extend.
    const objects = variants.filter((variant) => variant.properties)
    const shared =
      objects.length === variants.length && objects.length > 1
        ? Object.keys(objects[0].properties).filter(
            (key) =>
              key !== 'type' &&
              !DROPPED_KEYS.has(key) &&
              objects.every(
                (variant) =>
                  JSON.stringify(variant.properties[key]) === JSON.stringify(objects[0].properties[key]) &&
                  (variant.required ?? []).includes(key) === (objects[0].required ?? []).includes(key),
              ),
          )
        : []
    let base
    if (shared.length > 0) {
      base = `${NAMES[location].replace(/Config$/, '')}Common`
      const common = {
        properties: Object.fromEntries(shared.map((k) => [k, objects[0].properties[k]])),
        required: (objects[0].required ?? []).filter((k) => shared.includes(k)),
        additionalProperties: false,
      }
      declared.set(`${location}/common`, base)
      const body = objectBody(common, `${location}/common`)
      declarations.push(
        `/** What every variant of ${NAMES[location]} has. */\nexport interface ${base} ${body}\n`,
      )
    }
    return variants
      .map((variant, i) => {
        const variantLocation = `${location}/${key}/${i}`
        if (!base) return typeOf(variant, variantLocation)
        const rest = { ...variant, properties: { ...variant.properties } }
        for (const k of shared) delete rest.properties[k]
        return declare(variantLocation, variant, () => `extends ${base} ${objectBody(rest, variantLocation)}`)
      })
      .join(' | ')
  }

  function objectBody(node, location) {
    const library = libraryType(location)
    const required = new Set(node.required ?? [])
    const keys = Object.keys(node.properties).filter((key) => !DROPPED_KEYS.has(key))
    const parent = library ? undefined : parentOf(node, keys)
    if (NAMES[location]) objectsDeclared.set(NAMES[location], node)
    const property = (key) => {
      const optional = required.has(key) ? '' : '?'
      const child = node.properties[key]
      const type = typeOf(child, `${location}/properties/${key}`)
      return `${comment(propertyDoc(child), '  ')}  ${quoteKey(key)}${optional}: ${type}\n`
    }
    if (library) {
      checks.push([NAMES[location], inlineShape(node, location)])
      const own = keys.filter((key) => library.own.includes(key))
      return `extends ${library.local} {\n${own.map(property).join('')}}`
    }
    if (node.additionalProperties !== false)
      throw new Error(`${location}: an object with properties must say additionalProperties: false`)
    if (!parent) return `{\n${keys.map(property).join('')}}`
    const inherited = new Set(Object.keys(parent.node.properties))
    return `extends ${parent.name} {\n${keys
      .filter((key) => !inherited.has(key))
      .map(property)
      .join('')}}`
  }

  /**
   * The largest interface already declared whose keys (two or more) this object has too, each with the same schema
   * and the same requiredness: it is extended instead of written again (the fleet node's sections, the thresholds).
   */
  function parentOf(node, keys) {
    let best
    for (const [name, other] of objectsDeclared) {
      const otherKeys = Object.keys(other.properties).filter((key) => !DROPPED_KEYS.has(key))
      const same = (key) =>
        keys.includes(key) &&
        JSON.stringify(other.properties[key]) === JSON.stringify(node.properties[key]) &&
        (other.required ?? []).includes(key) === (node.required ?? []).includes(key)
      if (otherKeys.length >= 2 && otherKeys.every(same) && otherKeys.length > (best?.keys ?? 0))
        best = { name, node: other, keys: otherKeys.length }
    }
    return best
  }

  /** A property's description; a duration says its unit, a plain value (a port, a name) says what its $ref says. */
  function propertyDoc(node) {
    if (node.$ref === '#/$defs/duration') return node.description && `${node.description} In milliseconds.`
    if (node.description || !node.$ref) return node.description
    const [def] = defOf(node.$ref)
    return def.type === 'object' ? undefined : def.description
  }

  /** The schema's shape of `node` written out on one line, for the agreement check with a library's type. */
  function inlineShape(node, location) {
    if (node.$ref) {
      if (node.$ref === '#/$defs/duration') return 'number'
      return inlineShape(...defOf(node.$ref))
    }
    if (node.properties) {
      const required = new Set(node.required ?? [])
      const keys = Object.keys(node.properties).filter((key) => !DROPPED_KEYS.has(key))
      const members = keys.map(
        (key) =>
          `${quoteKey(key)}${required.has(key) ? '' : '?'}: ${inlineShape(node.properties[key], `${location}/properties/${key}`)}`,
      )
      return `{ ${members.join('; ')} }`
    }
    if (node.const !== undefined) return literal(node.const)
    if (node.enum) return node.enum.map(literal).join(' | ')
    const types = Array.isArray(node.type) ? node.type : [node.type]
    if (types.includes('object')) throw new Error(`${location}: the agreement check writes out no maps`)
    const each = (type) => {
      if (type !== 'array') return typeOfType(type, node, location)
      const item = inlineShape(node.items ?? true, `${location}/items`)
      return /[ |]/.test(item) ? `(${item})[]` : `${item}[]`
    }
    return types.map(each).join(' | ')
  }

  const root = typeOf(schema, '#')
  if (root !== 'ConfigFile') throw new Error('the schema root must be an object with properties')

  const importLines = [...imports]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([from, names]) => {
      const sorted = [...names].sort()
      const line = `import type { ${sorted.join(', ')} } from '${from}'\n`
      // As the formatter writes it: one name a line when the import is longer than a line.
      return line.length <= 111
        ? line
        : `import type {\n${sorted.map((name) => `  ${name},\n`).join('')}} from '${from}'\n`
    })
  const checkLines = checks.map(([type, shape]) => `  Same<${type}, ${shape}>,\n`)
  return [
    '// Generated by packages/cli/scripts/gen-config-types.mjs from schema/gslb-lb.schema.json: do not edit.\n',
    '// Change src/config/schema.ts, then `pnpm build && pnpm schema` (or `pnpm config:types` after `pnpm schema`).\n',
    '// The shape of a validated config: as the schema says, with every duration in milliseconds and without the\n',
    "// `$comment`/`$schema` keys. Where the shape is a library's own type, that type is used (no copy), and\n",
    '// SchemaAgreesWithLibraries below fails to typecheck when the schema and the library part.\n',
    '\n',
    ...importLines,
    importLines.length > 0 ? '\n' : '',
    declarations.join('\n'),
    '\n',
    'type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false\n',
    'type AllTrue<T extends true[]> = T\n',
    "/** Each library-owned shape as the schema writes it: a `false` here means the schema and the library's type part. */\n",
    '// biome-ignore format: one line per library type\n',
    `export type SchemaAgreesWithLibraries = AllTrue<[\n${checkLines.join('')}]>\n`,
  ].join('')
}

const quoteKey = (key) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : `'${key}'`)

function main(argv) {
  const option = (name, fallback) => {
    const at = argv.indexOf(name)
    return at >= 0 && argv[at + 1] ? argv[at + 1] : fallback
  }
  const schemaFile = option('--schema', DEFAULT_SCHEMA)
  const outFile = option('--out', DEFAULT_OUT)
  const text = generateConfigTypes(JSON.parse(readFileSync(schemaFile, 'utf8')))
  if (argv.includes('--check')) {
    let current = ''
    try {
      current = readFileSync(outFile, 'utf8')
    } catch {}
    if (current !== text) {
      process.stderr.write(
        `${outFile} is not what ${schemaFile} gives: run \`pnpm --filter @gslb/cli config:types\` and commit it\n`,
      )
      return 1
    }
    return 0
  }
  writeFileSync(outFile, text)
  process.stdout.write(`wrote ${outFile}\n`)
  return 0
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  try {
    process.exitCode = main(process.argv.slice(2))
  } catch (error) {
    process.stderr.write(`gen-config-types: ${error.message}\n`)
    process.exitCode = 2
  }
