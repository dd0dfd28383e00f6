import {
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_PDU_LENGTH,
  MAX_MAX_PDU_LENGTH,
  MIN_MAX_PDU_LENGTH,
} from './constants.js'
import { invalidOption } from './errors.js'
import { checkAETitle, checkHost, checkInteger, checkObject, checkPort, checkSignal } from './options.js'
import type { ResolvedServerOptions, VerificationServerOptions } from './server-types.js'

/** Longest close() deadline accepted: an hour. */
const MAX_CLOSE_DEADLINE_MS = 3_600_000

export function resolveServerOptions(options: VerificationServerOptions): ResolvedServerOptions {
  const o = checkObject(options, 'options')
  const aeTitle = checkAETitle(o.aeTitle, 'aeTitle')
  const accept = o.acceptCalledAE ?? true
  let acceptedCalledAE: Set<string> | undefined
  if (accept === false) acceptedCalledAE = new Set([aeTitle.trim()])
  else if (Array.isArray(accept)) {
    acceptedCalledAE = new Set([
      aeTitle.trim(),
      ...accept.map((title, i) => checkAETitle(title, `acceptCalledAE[${i}]`).trim()),
    ])
  } else if (accept !== true)
    throw invalidOption('acceptCalledAE', 'expected true, false or a list of AE titles')
  return {
    aeTitle,
    port: checkPort(o.port, 'port', true),
    host: checkHost(o.host, 'host'),
    acceptedCalledAE,
    maxPduLength: checkInteger(
      o.maxPduLength ?? DEFAULT_MAX_PDU_LENGTH,
      'maxPduLength',
      MIN_MAX_PDU_LENGTH,
      MAX_MAX_PDU_LENGTH,
    ),
    idleTimeoutMs: checkInteger(o.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, 'idleTimeoutMs', 1, 3_600_000),
    maxConnections: checkInteger(o.maxConnections ?? DEFAULT_MAX_CONNECTIONS, 'maxConnections', 1, 100_000),
  }
}

export function resolveStartOptions(options: unknown): { signal: AbortSignal | undefined } {
  const o = checkObject(options ?? {}, 'options')
  return { signal: checkSignal(o.signal, 'signal') }
}

export function resolveCloseOptions(options: unknown): {
  deadlineMs: number
  signal: AbortSignal | undefined
} {
  const o = checkObject(options ?? {}, 'options')
  return {
    deadlineMs: checkInteger(o.deadlineMs ?? 0, 'deadlineMs', 0, MAX_CLOSE_DEADLINE_MS),
    signal: checkSignal(o.signal, 'signal'),
  }
}
