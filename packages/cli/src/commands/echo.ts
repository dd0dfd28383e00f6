import type { Command } from 'commander'
import { formatEndpoint } from '../config/addresses.js'
import { EXIT } from '../constants.js'
import { CliError } from '../errors.js'
import { type CliIo, durationOption, print, printJson } from './io.js'
import type { ExitSetter } from './simple.js'

/** The flag or argument of `echo` behind each option of @gslb/dicom's echo(). */
const OPTION_FLAGS: Record<string, string> = {
  host: '<host>',
  port: '<port>',
  callingAE: '--calling-ae',
  calledAE: '--called-ae',
  timeoutMs: '--timeout',
}

export function registerEchoCommand(program: Command, io: CliIo, setExit: ExitSetter): void {
  program
    .command('echo')
    .description('send a DICOM C-ECHO (verification) to host:port; exit 0 when it succeeds')
    .argument('<host>', 'address or name of the DICOM server (or a VIP)')
    .argument('<port>', 'port, e.g. 104 or 11112')
    .option('--calling-ae <title>', 'our AE title', 'GSLB_ECHOSCU')
    .option('--called-ae <title>', "the server's AE title", 'ANY-SCP')
    .option('--timeout <duration>', 'how long the whole exchange may take', '5s')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        host: string,
        portText: string,
        options: { callingAe: string; calledAe: string; timeout: string; json?: boolean },
      ) => {
        const port = Number(portText)
        if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
          throw new CliError('GSLB_CLI_USAGE', `<port>: '${portText}' is not a port (1-65535)`)
        }
        const timeoutMs = durationOption(options.timeout, '--timeout')
        const { DicomErrorCode, echo, isDicomError } = await import('@gslb/dicom')
        const result = await echo({
          host,
          port,
          callingAE: options.callingAe,
          calledAE: options.calledAe,
          timeoutMs,
          ...(io.signal ? { signal: io.signal } : {}),
        }).catch((error: unknown) => {
          // The library checks what it is given; a value it refuses came from this command line.
          if (isDicomError(error) && error.code === DicomErrorCode.OPTIONS_INVALID) {
            const option = error.path ?? ''
            const flag = OPTION_FLAGS[option] ?? option
            throw new CliError(
              'GSLB_CLI_USAGE',
              `${flag}: ${error.message.replace(/^invalid option '[^']+': /, '')}`,
              { cause: error },
            )
          }
          throw error
        })
        if (options.json) printJson(io, { host, port, ...result })
        else if (result.ok)
          print(
            io,
            `C-ECHO ${formatEndpoint(host, port)} ok in ${result.rttMs.toFixed(1)} ms (${result.reason})`,
          )
        else print(io, `C-ECHO ${formatEndpoint(host, port)} failed at ${result.stage}: ${result.reason}`)
        if (!result.ok) setExit(EXIT.failure)
      },
    )
}
