import { readFileSync } from 'node:fs'
import { defineConfig } from 'tsup'

const { version } = JSON.parse(readFileSync('./package.json', 'utf8')) as { version: string }

export default defineConfig({
  // bin.ts starts with `#!/usr/bin/env node`, which esbuild keeps; package.json's "bin" points at dist/bin.cjs.
  entry: { index: 'src/index.ts', bin: 'src/bin.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  define: { __GSLB_CLI_VERSION__: JSON.stringify(version) },
})
