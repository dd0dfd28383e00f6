import type { Options } from 'tsup'

/** What every @gslb package builds: its public face as ESM + CJS + .d.ts for Node 20. */
export const packageBuild: Options = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
}
