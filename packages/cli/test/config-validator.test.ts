import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { validateConfig } from '../src/config/validate.js'

// The schema is compiled by ajv ahead of time (docs/decisions/0020): the checked-in validator must be what the schema
// gives, so a schema change without `pnpm --filter @gslb/cli schema` fails the unit tier.

const script = join(__dirname, '..', 'scripts', 'gen-config-validator.mjs')
const schemaFile = join(__dirname, '..', 'schema', 'gslb-lb.schema.json')
const generated = join(__dirname, '..', 'src', 'config', 'schema-validator.generated.ts')
const generate = (...args: string[]) =>
  spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 30_000 })

test('src/config/schema-validator.generated.ts is what the schema gives (else run `pnpm --filter @gslb/cli schema`)', () => {
  const result = generate('--check')
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
})

test('the check fails, naming the file, when the schema changed and the validator was not regenerated', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gslb-config-validator-'))
  try {
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8'))
    schema.$defs.admin.properties.readOnly = { type: 'boolean', description: 'A new key.' }
    const changed = join(dir, 'schema.json')
    const out = join(dir, 'validator.ts')
    writeFileSync(changed, JSON.stringify(schema))
    writeFileSync(out, readFileSync(generated))
    const stale = generate('--check', '--schema', changed, '--out', out)
    expect(stale.status).toBe(1)
    expect(stale.stderr).toContain(`${out} is not what ${changed} gives`)
    expect(generate('--schema', changed, '--out', out).status).toBe(0)
    expect(generate('--check', '--schema', changed, '--out', out).status).toBe(0)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('the generated validator imports nothing: a node never loads ajv', () => {
  const text = readFileSync(generated, 'utf8')
  expect(text).not.toMatch(/\brequire\(|^import /m)
})

test('it reports the schema problems with their paths, as the compiled-at-start validator did', () => {
  expect(() =>
    validateConfig({ node: { name: 'a', bogus: 1 }, services: { x: { listen: 'nope' } } }),
  ).toThrow(
    expect.objectContaining({
      code: 'GSLB_CONFIG_INVALID',
      issues: expect.arrayContaining([expect.objectContaining({ path: 'node.bogus' })]),
    }),
  )
})
