import { formatEndpoint } from '../config/addresses.js'
import type { Endpoint } from '../config/types.js'
import { ADMIN_CLIENT_TIMEOUT_MS } from '../constants.js'
import { CliError } from '../errors.js'

export interface AdminRequest {
  admin: Endpoint
  token?: string
  method?: 'GET' | 'POST'
  path: string
  timeout?: number
  signal?: AbortSignal
}

export interface AdminResponse {
  status: number
  body: unknown
  text: string
}

/** Calls a running node's admin API. Throws `GSLB_ADMIN_UNREACHABLE` when nothing answers in time. */
export async function adminRequest(request: AdminRequest): Promise<AdminResponse> {
  const host =
    request.admin.address === '0.0.0.0'
      ? '127.0.0.1'
      : request.admin.address === '::'
        ? '::1'
        : request.admin.address
  const url = `http://${formatEndpoint(host, request.admin.port)}${request.path}`
  const timeout = AbortSignal.timeout(request.timeout ?? ADMIN_CLIENT_TIMEOUT_MS)
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout
  let response: Response
  try {
    response = await fetch(url, {
      method: request.method ?? 'GET',
      headers: request.token ? { authorization: `Bearer ${request.token}` } : {},
      signal,
    })
  } catch (error) {
    throw new CliError(
      'GSLB_ADMIN_UNREACHABLE',
      `admin API at ${url} did not answer: ${(error as Error).message}`,
      {
        cause: error,
      },
    )
  }
  const text = await response.text()
  let body: unknown = text
  if ((response.headers.get('content-type') ?? '').includes('json')) {
    try {
      body = JSON.parse(text)
    } catch {
      body = text
    }
  }
  return { status: response.status, body, text }
}

/**
 * The error for an admin API answer that is not a success: a 401 says how to give the token (exit 2, like any
 * missing option); anything else carries the node's own reason, never the raw JSON.
 */
export function adminRefusal(request: AdminRequest, response: AdminResponse): CliError {
  const what = `${request.method ?? 'GET'} ${request.path.split('?')[0]}`
  const reason =
    typeof (response.body as { error?: unknown })?.error === 'string'
      ? (response.body as { error: string }).error
      : response.text.trim() || `HTTP ${response.status}`
  if (response.status === 401) {
    return new CliError(
      'GSLB_ADMIN_UNAUTHORIZED',
      request.token
        ? `${what}: the node refused the token (HTTP 401); check --token, $GSLB_LB_TOKEN or admin.token in the config`
        : `${what}: the node wants a token for writes (HTTP 401); pass --token <token> or set $GSLB_LB_TOKEN (the node's admin.token)`,
    )
  }
  return new CliError(
    'GSLB_ADMIN_REFUSED',
    `${what}: refused by the node (HTTP ${response.status}): ${reason}`,
  )
}
