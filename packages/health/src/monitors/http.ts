import { isIP } from 'node:net'
import {
  BACKSTOP_SLACK_MS,
  DEFAULT_HTTP_MAX_BODY_BYTES,
  DEFAULT_HTTP_STATUS_MAX,
  DEFAULT_HTTP_STATUS_MIN,
} from '../constants.js'
import type { HttpMonitor, MonitorOutcome, ResolvedTarget } from '../types.js'
import { down, fromError, hostForUrl, up } from './outcome.js'

function statusOk(status: number, expected: readonly number[] | undefined): boolean {
  if (expected === undefined) return status >= DEFAULT_HTTP_STATUS_MIN && status <= DEFAULT_HTTP_STATUS_MAX
  return expected.includes(status)
}

/** Drops the rest of a body; the error a destroyed body emits is expected and swallowed. */
function discard(body: NodeJS.ReadableStream & { destroy(): void }): void {
  body.on('error', () => {})
  body.destroy()
}

function bodyMatches(text: string, match: string | RegExp): boolean {
  if (typeof match === 'string') return text.includes(match)
  match.lastIndex = 0
  return match.test(text)
}

/** Loaded on the first HTTP check: undici is ~9 MB of RSS that a node without HTTP monitors never needs. */
let undici: Promise<typeof import('undici')> | undefined
const loadUndici = () => {
  undici ??= import('undici')
  return undici
}

/**
 * One HTTP(S) request on a fresh connection that is closed afterwards (a kept-alive socket would hide a dead
 * server behind an old connection). Host header and SNI come from `hostname`; the body is read only as far as
 * `maxBodyBytes` and only when `bodyMatch` is set.
 */
export async function checkHttp(
  target: ResolvedTarget,
  monitor: HttpMonitor,
  signal: AbortSignal,
  maxWaitMs: number,
): Promise<MonitorOutcome> {
  const { Client } = await loadUndici()
  // undici's timers are backstops behind the checker's lag-aware deadline (signal).
  const backstop = maxWaitMs + BACKSTOP_SLACK_MS
  const secure = monitor.type === 'https'
  const origin = `${secure ? 'https' : 'http'}://${hostForUrl(target.address)}:${target.port}`
  const hostname = monitor.hostname ?? target.address
  const defaultPort = secure ? 443 : 80
  const hostHeader = `${hostForUrl(hostname)}${target.port === defaultPort ? '' : `:${target.port}`}`
  const client = new Client(origin, {
    pipelining: 0,
    headersTimeout: backstop,
    bodyTimeout: backstop,
    connectTimeout: backstop,
    connect: secure
      ? {
          rejectUnauthorized: monitor.verifyTls ?? true,
          ...(isIP(hostname) === 0 ? { servername: hostname.replace(/\.$/, '') } : {}),
        }
      : {},
  })
  try {
    const response = await client.request({
      method: (monitor.method ?? 'GET') as 'GET',
      path: monitor.path ?? '/',
      headers: { ...monitor.headers, host: hostHeader, 'user-agent': 'gslb-health' },
      signal,
      reset: true,
    })
    const statusLine = `HTTP ${response.statusCode}`
    if (!statusOk(response.statusCode, monitor.expectStatus)) {
      discard(response.body)
      return down('status', `${statusLine} not in the expected status codes`)
    }
    if (monitor.bodyMatch === undefined) {
      discard(response.body)
      return up(statusLine)
    }
    const limit = monitor.maxBodyBytes ?? DEFAULT_HTTP_MAX_BODY_BYTES
    const chunks: Buffer[] = []
    let length = 0
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      const room = limit - length
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk)
      length += Math.min(chunk.length, room)
      if (bodyMatches(Buffer.concat(chunks).toString('utf8'), monitor.bodyMatch)) {
        discard(response.body)
        return up(`${statusLine}, body matched within ${length} bytes`)
      }
      if (length >= limit) break
    }
    discard(response.body)
    return down('mismatch', `${statusLine}, body did not match within ${length} bytes`)
  } catch (error) {
    return fromError(error, signal)
  } finally {
    await client.destroy().catch(() => {})
  }
}
