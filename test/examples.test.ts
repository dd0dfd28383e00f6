import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

// Every example runs its own self-test against the built packages, as a user would run it.
const run = promisify(execFile)
const examplesDir = resolve(__dirname, '..', 'examples')
const examples = readdirSync(examplesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .filter((name) => {
    const manifest = JSON.parse(readFileSync(join(examplesDir, name, 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>
    }
    return manifest.scripts?.test !== undefined
  })

test('there are examples', () => {
  expect(examples.length).toBeGreaterThanOrEqual(2)
})

test.each(examples.map((name) => [name]))(
  'example %s passes its self-test',
  async (name) => {
    const manifest = JSON.parse(readFileSync(join(examplesDir, name, 'package.json'), 'utf8')) as {
      scripts: { test: string }
    }
    const [command, ...args] = manifest.scripts.test.split(' ')
    expect(command).toBe('node')
    const { stdout } = await run(process.execPath, args, { cwd: join(examplesDir, name), timeout: 60_000 })
    expect(stdout).toMatch(/^ok {2}/m)
    expect(stdout).not.toMatch(/^FAIL/m)
  },
  90_000,
)
