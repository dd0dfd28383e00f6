import { execFileSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

// A tiny outside consumer of the BUILT packages: require() and import both load every package through its
// exports map, and TypeScript resolves its types in both module modes.
const root = resolve(__dirname, '../..')
const packagesDir = join(root, 'packages')
const packages = readdirSync(packagesDir)
  .filter((dir) => existsSync(join(packagesDir, dir, 'package.json')))
  .map((dir) => {
    const manifest = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as {
      name: string
    }
    return { dir: join(packagesDir, dir), name: manifest.name }
  })

let consumer: string

beforeAll(() => {
  consumer = mkdtempSync(join(tmpdir(), 'gslb-consumer-'))
  mkdirSync(join(consumer, 'node_modules', '@gslb'), { recursive: true })
  for (const pkg of packages) symlinkSync(pkg.dir, join(consumer, 'node_modules', pkg.name), 'dir')
  symlinkSync(join(root, 'node_modules', '@types'), join(consumer, 'node_modules', '@types'), 'dir')
})

afterAll(() => rmSync(consumer, { recursive: true, force: true }))

test('there are packages to check', () => {
  expect(packages.length).toBeGreaterThan(0)
})

test.each(packages.map((pkg) => [pkg.name]))('%s loads with require() and import', (name) => {
  for (const pkg of packages) expect(existsSync(join(pkg.dir, 'dist'))).toBe(true)
  const cjs = execFileSync(process.execPath, ['-e', `console.log(Object.keys(require('${name}')).length)`], {
    cwd: consumer,
    encoding: 'utf8',
  })
  const esm = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', `const m = await import('${name}'); console.log(Object.keys(m).length)`],
    { cwd: consumer, encoding: 'utf8' },
  )
  expect(Number(cjs.trim())).toBeGreaterThan(0)
  expect(Number(esm.trim())).toBe(Number(cjs.trim()))
})

test('types resolve for ESM and CJS consumers', () => {
  const imports = packages.map((pkg, i) => `import * as p${i} from '${pkg.name}'\nvoid p${i}`).join('\n')
  writeFileSync(join(consumer, 'esm.mts'), `${imports}\n`)
  writeFileSync(join(consumer, 'cjs.cts'), `${imports}\n`)
  writeFileSync(
    join(consumer, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        noEmit: true,
        types: ['node'],
      },
      files: ['esm.mts', 'cjs.cts'],
    }),
  )
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  execFileSync(process.execPath, [tsc, '-p', consumer], { cwd: consumer, encoding: 'utf8' })
})
