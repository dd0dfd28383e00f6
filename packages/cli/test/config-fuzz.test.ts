import { validateConfig } from '../src/config/validate.js'
import { ConfigError } from '../src/errors.js'
import { type Json, seed } from './helpers.js'

// Hostile or mistyped configs must get a ConfigError listing problems — never a crash of another kind.

function rng(seedValue: number) {
  let state = seedValue >>> 0
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

const ODD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  65536,
  2 ** 53,
  '',
  ' ',
  'x'.repeat(300),
  '10.1.0.0/99',
  '::',
  '0.0.0.0',
  'engine',
  '1h',
  '5 s',
  [],
  [null],
  {},
  { type: 'tcp' },
  { $comment: 1 },
  '__proto__',
  'constructor',
]

function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const path = [...prefix, Array.isArray(value) ? Number(key) : key]
      out.push(path)
      paths(child, path, out)
    }
  }
  return out
}

function mutate(config: Json, random: () => number): void {
  const all = paths(config)
  const path = all[Math.floor(random() * all.length)]!
  let parent: Json = config
  for (const key of path.slice(0, -1)) parent = parent[key as string]
  const key = path.at(-1)!
  const choice = random()
  if (choice < 0.3) delete parent[key as string]
  else if (choice < 0.9) parent[key as string] = ODD_VALUES[Math.floor(random() * ODD_VALUES.length)]
  else parent[`${String(key)}_extra`] = 1
}

test('600 random mutations of the seed config: valid, or a ConfigError with issues', () => {
  const random = rng(20261125)
  let rejected = 0
  for (let i = 0; i < 600; i++) {
    const config = seed() as Json
    const edits = 1 + Math.floor(random() * 3)
    for (let e = 0; e < edits; e++) mutate(config, random)
    try {
      validateConfig(config)
    } catch (error) {
      if (!(error instanceof ConfigError))
        throw new Error(`mutation ${i} crashed: ${(error as Error).stack}\n${JSON.stringify(config)}`)
      expect(error.issues.length).toBeGreaterThan(0)
      for (const issue of error.issues) expect(typeof issue.message).toBe('string')
      rejected++
    }
  }
  expect(rejected).toBeGreaterThan(300)
})

test('non-object inputs are a ConfigError', () => {
  for (const input of [null, 42, 'config', [], undefined]) {
    expect(() => validateConfig(input)).toThrow(ConfigError)
  }
})
