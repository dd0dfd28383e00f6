import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cliCommand } from '../src/commands/demo.js'
import { localSchemaUrl, starterConfig } from '../src/config/init.js'
import { validateConfig } from '../src/config/validate.js'

// Where the installed layouts (checkout, npm -g, .deb) put the schema and the command, as init and the demo see them.

const cliDir = resolve(__dirname, '..')
const repoRoot = resolve(cliDir, '..', '..')
let dir: string

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gslb-layout-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** An npm global prefix: lib/node_modules/@gslb/cli with dist/bin.cjs and schema/, and bin/gslb-lb linked to it. */
function npmPrefix(withSchema: boolean): string {
  const pkg = join(dir, 'lib', 'node_modules', '@gslb', 'cli')
  mkdirSync(join(pkg, 'dist'), { recursive: true })
  writeFileSync(join(pkg, 'dist', 'bin.cjs'), '')
  if (withSchema) {
    mkdirSync(join(pkg, 'schema'))
    writeFileSync(join(pkg, 'schema', 'gslb-lb.schema.json'), '{}')
  }
  mkdirSync(join(dir, 'bin'))
  symlinkSync(join(pkg, 'dist', 'bin.cjs'), join(dir, 'bin', 'gslb-lb'))
  return join(dir, 'bin', 'gslb-lb')
}

test("init's $schema is a file that exists: the checkout's schema when run from packages/cli/dist", () => {
  const url = localSchemaUrl(join(cliDir, 'dist', 'bin.cjs'))
  expect(url).toBe(`file://${join(cliDir, 'schema', 'gslb-lb.schema.json')}`)
  const config = starterConfig(url)
  expect(existsSync(fileURLToPath(String(config.$schema)))).toBe(true)
  expect(() => validateConfig(config)).not.toThrow()
})

test("an npm install's schema is found through the bin symlink", () => {
  const bin = npmPrefix(true)
  expect(localSchemaUrl(bin)).toBe(
    `file://${join(dir, 'lib', 'node_modules', '@gslb', 'cli', 'schema', 'gslb-lb.schema.json')}`,
  )
})

test('no schema on the machine: no $schema at all (never a URL nothing serves), and the config still validates', () => {
  const bin = npmPrefix(false)
  const url = localSchemaUrl(bin)
  if (existsSync('/usr/share/gslb-lb/gslb-lb.schema.json')) {
    // the Debian package is installed here: its copy is the one left
    expect(url).toBe('file:///usr/share/gslb-lb/gslb-lb.schema.json')
  } else {
    expect(url).toBeUndefined()
  }
  const config = starterConfig(undefined)
  expect(config).not.toHaveProperty('$schema')
  expect(() => validateConfig(config)).not.toThrow()
})

test('the demo tells a checkout to use `pnpm gslb-lb` (the root script) and an install to use `gslb-lb`', () => {
  expect(cliCommand(join(cliDir, 'dist', 'bin.cjs'))).toBe('pnpm gslb-lb')
  expect(cliCommand(npmPrefix(true))).toBe('gslb-lb')
  expect(cliCommand('/usr/lib/gslb-lb/gslb-lb.cjs')).toBe('gslb-lb')
  expect(cliCommand(undefined)).toBe('gslb-lb')
})

test('the root gslb-lb script runs the CLI the demo was started from', () => {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>
  }
  expect(manifest.scripts['gslb-lb']).toBe('node packages/cli/dist/bin.cjs')
  expect(manifest.scripts.demo).toMatch(/node packages\/cli\/dist\/bin\.cjs demo$/)
})

test('docs/systemd.md shows the unit the Debian package installs, unchanged', () => {
  const unit = readFileSync(join(repoRoot, 'packaging', 'deb', 'gslb-lb.service'), 'utf8')
  const doc = readFileSync(join(repoRoot, 'docs', 'systemd.md'), 'utf8')
  const shown = /```ini\n([\s\S]*?)```/.exec(doc)?.[1]
  expect(shown).toBe(unit)
})
