import { Command, CommanderError } from 'commander'
import { registerDemoCommand } from './commands/demo-command.js'
import { registerEchoCommand } from './commands/echo.js'
import { registerExplainCommand } from './commands/explain.js'
import { type CliIo, dropOutputOnBrokenPipe } from './commands/io.js'
import { registerRoutesCommand } from './commands/routes.js'
import { registerRunCommand } from './commands/run.js'
import { registerSimpleCommands } from './commands/simple.js'
import { EXIT } from './constants.js'
import { exitCodeOf } from './errors.js'
import { VERSION } from './version.js'

export type { CliIo }

/**
 * Runs `gslb-lb` with `argv` (without the node and script paths) and resolves to the exit code; never calls
 * `process.exit`. Long-running commands (run, demo) resolve when they end.
 */
export async function main(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const fullIo: CliIo = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    env: io.env ?? process.env,
    ...(io.signal ? { signal: io.signal } : {}),
    handleSignals: io.handleSignals ?? false,
    ...(io.ip ? { ip: io.ip } : {}),
  }
  dropOutputOnBrokenPipe(fullIo.stdout)
  dropOutputOnBrokenPipe(fullIo.stderr)
  let exitCode: number = EXIT.ok
  const setExit = (code: number) => {
    exitCode = code
  }
  const program = new Command('gslb-lb')
    .description('GSLB DNS engine, name resolver and DICOM-aware L4 forwarder for legacy imaging modalities')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok; 1 the answer is no (unhealthy, echo failed, override refused, self-check failed, a route\n' +
        'without quickack); 2 bad command line (also: no command, a bad value, a missing or wrong --token);\n' +
        '3 invalid or unreadable config; 4 the running node did not answer; 5 routes could not read the routing table.',
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => fullIo.stdout.write(text),
      writeErr: (text) => fullIo.stderr.write(text),
    })
  registerSimpleCommands(program, fullIo, setExit)
  registerRunCommand(program, fullIo, setExit)
  registerExplainCommand(program, fullIo, setExit)
  registerEchoCommand(program, fullIo, setExit)
  registerRoutesCommand(program, fullIo, setExit)
  registerDemoCommand(program, fullIo, setExit)
  for (const command of program.commands) command.exitOverride()

  if (argv.length === 0) {
    program.outputHelp({ error: true })
    return EXIT.usage
  }
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return exitCode
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      ) {
        return EXIT.ok
      }
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage
    }
    const message = error instanceof Error ? error.message : String(error)
    fullIo.stderr.write(`gslb-lb: ${message}\n`)
    return exitCodeOf(error)
  }
}
