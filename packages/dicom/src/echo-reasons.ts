import { isDicomError } from './errors.js'

/** Operator-facing sentences for echo() outcomes. */

/** How far an echo got: the stage reached, or the stage it failed at. */
export type EchoStage = 'tcp' | 'associate' | 'echo' | 'release'

export function messageOf(error: unknown): string {
  if (isDicomError(error)) return error.message
  return error instanceof Error ? error.message : String(error)
}

export function hex4(value: number | undefined): string {
  return (value ?? 0).toString(16).padStart(4, '0')
}

/** C-ECHO statuses (PS3.7 Table 9.3-13 and Annex C). */
export function statusText(status: number): string {
  switch (status) {
    case 0x0122:
      return 'refused: SOP class not supported'
    case 0x0210:
      return 'duplicate invocation'
    case 0x0211:
      return 'unrecognized operation'
    case 0x0212:
      return 'mistyped argument'
    default:
      if ((status & 0xf000) === 0xa000 || (status & 0xf000) === 0xc000) return 'failure'
      if ((status & 0xf000) === 0xb000) return 'warning'
      return 'unexpected status'
  }
}

export function networkReason(
  error: NodeJS.ErrnoException,
  stage: EchoStage,
  target: string,
  host: string,
): string {
  const code = error.code ?? 'error'
  if (stage === 'tcp') {
    switch (code) {
      case 'ECONNREFUSED':
        return `TCP connection to ${target} refused (nothing listening on that port?)`
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
      case 'EAI_NONAME':
        return `cannot resolve host '${host}' (${code})`
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        return `no route to ${target} (${code})`
      default:
        return `TCP connection to ${target} failed: ${error.message}`
    }
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return `peer reset the connection during the ${stage} stage (${code})`
  }
  return `connection error during the ${stage} stage: ${error.message}`
}
