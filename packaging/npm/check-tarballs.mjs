// Checks the packed tarballs before anyone installs them: no `workspace:` range left, the fields a published
// package needs, and every file its manifest points at (main, module, types, bin, exports) inside the tarball.
// Usage: node packaging/npm/check-tarballs.mjs <folder of .tgz>
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const folder = process.argv[2]
if (!folder) {
  console.error('usage: node packaging/npm/check-tarballs.mjs <folder of .tgz>')
  process.exit(2)
}
const problems = []
for (const tarball of readdirSync(folder).filter((name) => name.endsWith('.tgz'))) {
  const listing = execFileSync('tar', ['-tzf', join(folder, tarball)], { encoding: 'utf8' }).split('\n')
  const files = new Set(listing.filter(Boolean).map((path) => path.replace(/^package\//, '')))
  const scratch = mkdtempSync(join(tmpdir(), 'gslb-pack-'))
  execFileSync('tar', ['-xzf', join(folder, tarball), '-C', scratch, 'package/package.json'])
  const manifest = JSON.parse(readFileSync(join(scratch, 'package', 'package.json'), 'utf8'))
  rmSync(scratch, { recursive: true, force: true })
  const fail = (what) => problems.push(`${tarball}: ${what}`)

  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith('workspace:')) fail(`${field}.${name} is still '${range}'`)
    }
  }
  if (manifest.license !== 'Apache-2.0') fail(`license is '${manifest.license}', not Apache-2.0`)
  if (!manifest.engines?.node) fail('no engines.node')
  if (manifest.publishConfig?.access !== 'public')
    fail('publishConfig.access is not public (scoped packages)')
  if (!Array.isArray(manifest.files)) fail('no files list')
  if (!files.has('LICENSE')) fail('no LICENSE file')
  if (!files.has('README.md')) fail('no README.md')

  const pointers = [manifest.main, manifest.module, manifest.types, ...Object.values(manifest.bin ?? {})]
  const walk = (value) => {
    if (typeof value === 'string') pointers.push(value)
    else if (value && typeof value === 'object') for (const inner of Object.values(value)) walk(inner)
  }
  walk(manifest.exports)
  for (const pointer of pointers.filter(Boolean)) {
    if (!files.has(pointer.replace(/^\.\//, ''))) fail(`points at ${pointer}, which is not in the tarball`)
  }
}
if (problems.length > 0) {
  console.error(`the tarballs are not ready to publish:\n  ${problems.join('\n  ')}`)
  process.exit(1)
}
