import { defineConfig } from 'tsup'
import { packageBuild } from '../../tsup.base'

export default defineConfig([
  // The library (Node): consoleAssets(), the admin client and the API's types. Its clean keeps the browser files.
  // shims: __dirname also in the ESM build (consoleAssets finds dist/assets beside the module).
  { ...packageBuild, clean: ['**/*', '!assets/**'], shims: true },
  // The page's script and style sheet: one minified file each for the browsers, plus the page from src/public.
  {
    entry: { console: 'src/app/main.ts' },
    outDir: 'dist/assets',
    format: ['iife'],
    platform: 'browser',
    target: ['chrome111', 'firefox115', 'edge111', 'safari16'],
    minify: true,
    sourcemap: false,
    dts: false,
    clean: true,
    publicDir: 'src/public',
    outExtension: () => ({ js: '.js' }),
  },
])
