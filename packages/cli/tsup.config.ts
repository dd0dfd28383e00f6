import { readFileSync } from 'node:fs'
import { defineConfig } from 'tsup'
import { packageBuild } from '../../tsup.base'

const { version } = JSON.parse(readFileSync('./package.json', 'utf8')) as { version: string }

export default defineConfig({
  ...packageBuild,
  // bin.ts starts with `#!/usr/bin/env node`, which esbuild keeps; package.json's "bin" points at dist/bin.cjs.
  entry: { index: 'src/index.ts', bin: 'src/bin.ts' },
  dts: { entry: { index: 'src/index.ts' } },
  define: { __GSLB_CLI_VERSION__: JSON.stringify(version) },
})
