import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { CliIo } from '../src/commands/io.js'
import { ConfigError, type ConfigIssue } from '../src/errors.js'

/** Free-form JSON that tests edit in place (configs, API replies). */
// biome-ignore lint/suspicious/noExplicitAny: tests reach into arbitrary JSON
export type Json = Record<string, any>

export const fixture = (name: string) => join(__dirname, 'fixtures', name)

export function seed(): Record<string, unknown> {
  return JSON.parse(readFileSync(fixture('seed.json'), 'utf8')) as Record<string, unknown>
}

/** The issues a validation throws (fails the test when it does not throw a ConfigError). */
export function issuesOf(run: () => unknown): ConfigIssue[] {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).code).toBe('GSLB_CONFIG_INVALID')
    return [...(error as ConfigError).issues]
  }
  throw new Error('expected a ConfigError')
}

/** An in-memory CliIo; `out()`/`err()` return what was written. */
export function memoryIo(env: Record<string, string | undefined> = {}, signal?: AbortSignal) {
  let out = ''
  let err = ''
  const stdout = new Writable({
    write(chunk, _encoding, done) {
      out += String(chunk)
      done()
    },
  })
  const stderr = new Writable({
    write(chunk, _encoding, done) {
      err += String(chunk)
      done()
    },
  })
  const io: Partial<CliIo> = { stdout, stderr, env, ...(signal ? { signal } : {}) }
  return { io, out: () => out, err: () => err }
}
