/** Domain names inside the engine are lower case, without a trailing dot; '' is the root. */
export function canonicalName(name: string): string {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name
  return trimmed.toLowerCase()
}

const LABEL = /^(?:\*|[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)$/

/** Why `name` (already canonical) is not a usable domain name, or undefined when it is. */
export function nameProblem(name: string): string | undefined {
  if (name === '') return 'must not be empty (the root zone is not served)'
  if (name.length > 253) return `is ${name.length} characters long; a domain name has at most 253`
  for (const label of name.split('.')) {
    if (label === '') return `'${name}' has an empty label`
    if (label.length > 63) return `label '${label.slice(0, 20)}…' is longer than 63 characters`
    if (label === '*') return `'${name}': wildcards are not supported`
    if (!LABEL.test(label))
      return `label '${label}' may use only letters, digits, '-' and '_' (not at the ends)`
  }
  return undefined
}

/** True when `name` equals `zone` or lies below it. Both canonical. */
export function isInZone(name: string, zone: string): boolean {
  return (
    name === zone ||
    (name.length > zone.length && name.endsWith(zone) && name[name.length - zone.length - 1] === '.')
  )
}

/** The name one label up ('' above a top-level label). */
export function parentName(name: string): string {
  const dot = name.indexOf('.')
  return dot === -1 ? '' : name.slice(dot + 1)
}
