// Prints the folders of a workspace package and of every @gslb package it depends on at run time (dependencies,
// not devDependencies), dependencies first. Usage: node packaging/npm/workspace-closure.mjs @gslb/cli
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..')
const byName = new Map()
for (const folder of readdirSync(join(root, 'packages'))) {
  try {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', folder, 'package.json'), 'utf8'))
    byName.set(manifest.name, { dir: join('packages', folder), manifest })
  } catch {
    // not a package folder
  }
}
const order = []
const visit = (name, path) => {
  const entry = byName.get(name)
  if (!entry) throw new Error(`${path.join(' → ')}: no workspace package ${name}`)
  if (order.includes(entry.dir)) return
  for (const dependency of Object.keys(entry.manifest.dependencies ?? {})) {
    if (byName.has(dependency)) visit(dependency, [...path, dependency])
  }
  order.push(entry.dir)
}
visit(process.argv[2] ?? '@gslb/cli', [process.argv[2] ?? '@gslb/cli'])
process.stdout.write(`${order.join('\n')}\n`)
