import { configError, type EngineError, EngineErrorCode } from './errors.js'
import { type ParsedIp, parseIp } from './ip.js'
import { canonicalName, nameProblem } from './names.js'

/** Small checkers that throw GSLB_ENGINE_INVALID_CONFIG errors naming the path of the offending value. */

/** One problem with an engine config: the path of the value at fault (`pools.pacs.members[1].address`) and why. */
export interface EngineConfigIssue {
  path: string
  message: string
}

/**
 * The config problems found so far. Building checks each independent part of a config on its own and records what
 * it refuses here, so one pass reports every problem (`validateEngineConfig`) and `createEngine` throws the first.
 */
export class Problems {
  readonly errors: EngineError[] = []

  get count(): number {
    return this.errors.length
  }

  add(error: EngineError): void {
    this.errors.push(error)
  }

  /** Runs one check; a config problem it throws is recorded and `fallback` returned (any other error is a bug: rethrown). */
  check<T>(fallback: T, run: () => T): T {
    try {
      return run()
    } catch (error) {
      const { code, path } = error as { code?: unknown; path?: unknown }
      if (code !== EngineErrorCode.INVALID_CONFIG || typeof path !== 'string') throw error
      this.errors.push(error as EngineError)
      return fallback
    }
  }

  issues(): EngineConfigIssue[] {
    return this.errors.map((error) => {
      const path = error.path as string
      // configError writes `${path}: ${why}`.
      const message = error.message.startsWith(`${path}: `)
        ? error.message.slice(path.length + 2)
        : error.message
      return { path, message }
    })
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function requireObject(value: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw configError(path, `must be an object, got ${describe(value)}`)
  return value
}

export function requireArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw configError(path, `must be an array, got ${describe(value)}`)
  return value
}

export function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '')
    throw configError(path, `must be a non-empty string, got ${describe(value)}`)
  return value
}

export function optionalInteger(
  value: unknown,
  path: string,
  min: number,
  max: number,
  fallback: number,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw configError(path, `must be an integer from ${min} to ${max}, got ${describe(value)}`)
  }
  return value
}

export function optionalBoolean(value: unknown, path: string, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw configError(path, `must be true or false, got ${describe(value)}`)
  return value
}

export function optionalEnum<T extends string>(
  value: unknown,
  path: string,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw configError(
      path,
      `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`,
    )
  }
  return value as T
}

export function requireAddress(value: unknown, path: string): ParsedIp {
  const text = requireString(value, path)
  const parsed = parseIp(text)
  if (!parsed) throw configError(path, `'${text}' is not an IPv4 or IPv6 address`)
  return parsed
}

/** A domain name, canonical (lower case, no trailing dot). */
export function requireDomainName(value: unknown, path: string): string {
  const name = canonicalName(requireString(value, path))
  const problem = nameProblem(name)
  if (problem) throw configError(path, problem)
  return name
}

/** An identifier used in health target ids (`pool/member`): no '/', no spaces. */
export function requireIdentifier(value: unknown, path: string): string {
  const text = requireString(value, path)
  if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(text)) {
    throw configError(
      path,
      `'${text}' may use only letters, digits, '_', '.', ':' and '-' (1 to 128 characters)`,
    )
  }
  return text
}

/** Reports every key of `object` that is not a known setting. */
export function rejectUnknownKeys(
  object: Record<string, unknown>,
  path: string,
  known: readonly string[],
  problems: Problems,
): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key))
      problems.add(configError(`${path}.${key}`, `unknown setting (known: ${known.join(', ')})`))
  }
}

/** The names a reference could have used, for the operator who mistyped one: at most 10, or 'none'. */
export function knownList(names: Iterable<string>): string {
  const all = [...new Set(names)].sort()
  if (all.length === 0) return 'none'
  return all.length > 10 ? `${all.slice(0, 10).join(', ')}, … ${all.length - 10} more` : all.join(', ')
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`
  if (typeof value === 'object') return 'an object'
  return String(value)
}

/** A path segment for a key: `pools.dicom`, or `names["a b"]` when the key is not a plain word. */
export function keyPath(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`
}
