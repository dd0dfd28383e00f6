// Bundles the gslb-lb CLI and every runtime dependency into one CommonJS file, so the Debian package needs no
// node_modules tree. It starts from the built CommonJS bin (packages/cli/dist/bin.cjs: build first), so every
// package is reached through `require` and bundled as the CommonJS build it publishes, where __dirname is real (an
// ESM build's import.meta.url shim would point nowhere inside a CommonJS bundle).
// Usage: node packaging/bundle.mjs <out-dir>   → <out-dir>/gslb-lb.cjs
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'tsup'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = resolve(process.argv[2] ?? '')
if (!process.argv[2]) {
  console.error('usage: node packaging/bundle.mjs <out-dir>')
  process.exit(2)
}
const cli = resolve(root, 'packages/cli')
const { version } = JSON.parse(readFileSync(resolve(cli, 'package.json'), 'utf8'))
// `await import('@gslb/x')` in the bin would pick the ESM build: point every @gslb package at its CommonJS build,
// so each is bundled once.
const workspaceCjs = {}
for (const folder of readdirSync(resolve(root, 'packages'))) {
  try {
    const { name } = JSON.parse(readFileSync(resolve(root, 'packages', folder, 'package.json'), 'utf8'))
    workspaceCjs[name] = resolve(root, 'packages', folder, 'dist', 'index.cjs')
  } catch {
    // not a package folder
  }
}

await build({
  config: false,
  entry: { 'gslb-lb': resolve(cli, 'dist/bin.cjs') },
  tsconfig: resolve(cli, 'tsconfig.json'),
  outDir,
  format: ['cjs'],
  outExtension: () => ({ js: '.cjs' }),
  platform: 'node',
  target: 'node20',
  // Everything inside: the @gslb libraries and commander, pino, prom-client, undici, dns-packet (the config schema is
  // compiled ahead of time: no ajv at run time).
  noExternal: [/.*/],
  splitting: false,
  sourcemap: false,
  dts: false,
  clean: true,
  silent: true,
  esbuildOptions(options) {
    options.alias = workspaceCjs
  },
  // metafile-cjs.json: which files went in; packaging/deb/copyright.mjs lists the bundled packages from it.
  metafile: true,
})
console.log(`${outDir}/gslb-lb.cjs (gslb-lb ${version})`)
