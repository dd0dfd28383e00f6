#!/usr/bin/env node
import { main } from './cli.js'

main(process.argv.slice(2), { handleSignals: true }).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(
      `gslb-lb: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    )
    process.exitCode = 1
  },
)
