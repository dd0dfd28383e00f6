// Writes schema/gslb-lb.schema.json from the built package (run after `pnpm build`); a unit test keeps them equal.
import { writeFileSync } from 'node:fs'
import { configSchema } from '../dist/index.js'

const file = new URL('../schema/gslb-lb.schema.json', import.meta.url)
writeFileSync(file, `${JSON.stringify(configSchema, null, 2)}\n`)
console.log(`wrote ${file.pathname}`)
