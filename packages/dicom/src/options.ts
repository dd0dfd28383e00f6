import { aeTitleProblem } from './bytes.js'
import { invalidOption } from './errors.js'

/** Option checks shared by echo() and the verification server; each error names the option. */

export function checkObject(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidOption(name, `expected an object, got ${value === null ? 'null' : typeof value}`)
  }
  return value as Record<string, unknown>
}

export function checkHost(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 255) {
    throw invalidOption(name, 'expected a host name or IP address (1-255 characters)')
  }
  return value
}

export function checkPort(value: unknown, name: string, allowZero: boolean): number {
  const min = allowZero ? 0 : 1
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 65_535) {
    throw invalidOption(name, `expected an integer ${min}-65535, got ${String(value)}`)
  }
  return value
}

export function checkAETitle(value: unknown, name: string): string {
  const problem = aeTitleProblem(value)
  if (problem) throw invalidOption(name, `AE title ${problem}`)
  return value as string
}

export function checkInteger(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(name, `expected an integer ${min}-${max}, got ${String(value)}`)
  }
  return value
}

/** A positive number of milliseconds (fractions are rounded up to whole ms). */
export function checkTimeout(value: unknown, name: string, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) {
    throw invalidOption(name, `expected milliseconds > 0 and <= ${max}, got ${String(value)}`)
  }
  return Math.ceil(value)
}

export function checkSignal(value: unknown, name: string): AbortSignal | undefined {
  if (value === undefined) return undefined
  if (!(value instanceof AbortSignal)) throw invalidOption(name, 'expected an AbortSignal')
  return value
}

export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
