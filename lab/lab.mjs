#!/usr/bin/env node
// The seed's hospital network in Linux network namespaces, with real keepalived, BIND, unbound, dcmtk and four
// `gslb-lb run` nodes. docs/lab.md describes what it builds and what each drill does.
//
//   pnpm lab up                 build everything, wait until it is healthy
//   pnpm lab status [--json]    who holds which VIP, node health, DNS answers
//   pnpm lab drill [NAME…]      run the drills (all by default), print the table (--json: the results as JSON)
//   pnpm lab down               remove everything the lab made (safe to run twice)
import { down, formatStatus, requireHost, status, up } from './lib/lifecycle.mjs'

const USAGE = 'usage: pnpm lab up | status [--json] | drill [NAME…] [--json] | down'

async function main(argv) {
  const [command, ...rest] = argv
  const json = rest.includes('--json')
  switch (command) {
    case 'up':
      requireHost()
      await up()
      return 0
    case 'down':
      requireHost()
      await down()
      return 0
    case 'status': {
      requireHost()
      const view = await status()
      console.log(json ? JSON.stringify(view, null, 2) : formatStatus(view))
      return view.up ? 0 : 1
    }
    case 'drill': {
      requireHost()
      const { drillCommand } = await import('./lib/drills.mjs')
      return drillCommand(
        rest.filter((arg) => !arg.startsWith('--')),
        { json },
      )
    }
    default:
      console.error(USAGE)
      return 2
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error) => {
    console.error(`gslb lab: ${error instanceof Error ? error.message : error}`)
    process.exitCode = 1
  },
)
