import type { Command } from 'commander'
import { EXIT } from '../constants.js'
import { type CliIo, durationOption, portOption, print } from './io.js'
import type { ExitSetter } from './simple.js'

export function registerDemoCommand(program: Command, io: CliIo, setExit: ExitSetter): void {
  program
    .command('demo')
    .description('two simulated sites, the GSLB engine and a DNS-proxy VIP on loopback; no root needed')
    .option('--port <port>', 'port of the DNS-proxy VIP on 127.0.0.1 (0: any free port)', '11112')
    .option('--admin-port <port>', 'port of the admin API on 127.0.0.1 (0: any free port)', '9180')
    .option(
      '--duration <duration>',
      'run the scripted self-check within this time, then exit 0 (passed) or 1',
    )
    .action(async (options: { port: string; adminPort: string; duration?: string }) => {
      const vipPort = portOption(options.port, '--port')
      const adminPort = portOption(options.adminPort, '--admin-port')
      const budget =
        options.duration === undefined ? undefined : durationOption(options.duration, '--duration')
      const [{ instructions, listenForKeys, selfCheck, startDemo }, { runUntilStopped }] = await Promise.all([
        import('./demo.js'),
        import('./run.js'),
      ])
      const demo = await startDemo({ vipPort, adminPort }, io)
      if (budget !== undefined) {
        try {
          print(io, instructions(demo, { tryIt: false }))
          if (!(await selfCheck(demo, budget, io))) setExit(EXIT.failure)
        } finally {
          await demo.close()
        }
        return
      }
      print(io, instructions(demo, { tryIt: true }))
      const stopKeys = listenForKeys(demo, io, () => process.kill(process.pid, 'SIGINT'))
      try {
        await runUntilStopped(demo.node, io)
      } finally {
        stopKeys()
        await demo.close()
      }
    })
}
