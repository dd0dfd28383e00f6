import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// The config's TypeScript types are generated from its JSON Schema (docs/decisions/0015): the checked-in file must be
// what the schema gives, so a schema change without `pnpm config:types` fails the unit tier.

const script = join(__dirname, '..', 'scripts', 'gen-config-types.mjs')
const schemaFile = join(__dirname, '..', 'schema', 'gslb-lb.schema.json')
const generate = (...args: string[]) =>
  spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 20_000 })

describe('src/config/types.generated.ts', () => {
  test('is what the schema gives (else run `pnpm --filter @gslb/cli config:types`)', () => {
    const result = generate('--check')
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })

  describe('the check', () => {
    let dir: string
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'gslb-config-types-'))
    })
    afterEach(() => rmSync(dir, { recursive: true, force: true }))

    test('fails, naming the file, when the schema changed and the types were not regenerated', () => {
      const schema = JSON.parse(readFileSync(schemaFile, 'utf8'))
      const changed = join(dir, 'schema.json')
      const out = join(dir, 'types.generated.ts')
      writeFileSync(out, readFileSync(join(__dirname, '..', 'src', 'config', 'types.generated.ts')))
      schema.$defs.admin.properties.readOnly = { type: 'boolean', description: 'A new key.' }
      writeFileSync(changed, JSON.stringify(schema))
      const stale = generate('--check', '--schema', changed, '--out', out)
      expect(stale.status).toBe(1)
      expect(stale.stderr).toContain(`${out} is not what ${changed} gives`)

      expect(generate('--schema', changed, '--out', out).status).toBe(0)
      expect(readFileSync(out, 'utf8')).toContain('  /** A new key. */\n  readOnly?: boolean\n')
      expect(generate('--check', '--schema', changed, '--out', out).status).toBe(0)
    })

    test('refuses a schema object it cannot name instead of inventing a name', () => {
      const schema = JSON.parse(readFileSync(schemaFile, 'utf8'))
      schema.$defs.admin.properties.tls = {
        type: 'object',
        properties: { cert: { type: 'string' } },
        additionalProperties: false,
      }
      const changed = join(dir, 'schema.json')
      writeFileSync(changed, JSON.stringify(schema))
      const result = generate('--schema', changed, '--out', join(dir, 'out.ts'))
      expect(result.status).not.toBe(0)
      expect(result.stderr).toContain('#/$defs/admin/properties/tls: name this type in NAMES')
    })
  })
})
