import type {
  AdminAction,
  CheckResult,
  ConsoleEvent,
  ExplainQuery,
  Explanation,
  FleetReport,
  MemberActionResult,
  NodeStatus,
  ReloadResult,
  ServerActionResult,
  TimelineKind,
  TimelineView,
} from './api.js'
import { ADMIN_ACTIONS } from './api.js'
import { DEFAULT_ADMIN_TIMEOUT_MS, MAX_EVENT_BYTES, MAX_RESPONSE_BYTES } from './constants.js'
import { ConsoleError, ConsoleErrorCode, isConsoleError } from './errors.js'
import { SseParser } from './sse.js'

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>

export interface AdminClientOptions {
  /** The node's admin API, e.g. `http://127.0.0.1:9180` (in the console: the page's own origin). */
  baseUrl: string
  /** Bearer token, sent on writes only; a function is asked on every write (the page's token may change). */
  token?: string | (() => string | undefined)
  /** Defaults to the global `fetch`. */
  fetch?: FetchLike
  /** Per request (not the event stream); default 5 s. */
  timeoutMs?: number
}

export interface RequestOptions {
  signal?: AbortSignal
}

export interface AdminClient {
  readonly baseUrl: string
  status(options?: RequestOptions): Promise<NodeStatus>
  /** Answers also when the node is unhealthy (HTTP 503): `healthy` says which. */
  check(options?: RequestOptions): Promise<CheckResult>
  explain(query: ExplainQuery, options?: RequestOptions): Promise<Explanation>
  /** Answers also when the node refused the new config (HTTP 422): `applied` says which. */
  reload(options?: RequestOptions): Promise<ReloadResult>
  member(
    pool: string,
    member: string,
    action: AdminAction,
    options?: RequestOptions,
  ): Promise<MemberActionResult>
  server(
    service: string,
    server: string,
    action: AdminAction,
    options?: RequestOptions,
  ): Promise<ServerActionResult>
  timeline(query?: { kind?: TimelineKind }, options?: RequestOptions): Promise<TimelineView>
  /** Every node of the fleet as this node sees it (it asks the others' admin APIs). */
  fleet(options?: RequestOptions): Promise<FleetReport>
  /**
   * Follows `GET /events` until the node ends the stream or `signal` aborts (then it resolves). Events of a type
   * this client does not know are passed over.
   */
  events(onEvent: (event: ConsoleEvent) => void, options?: RequestOptions): Promise<void>
}

const EVENT_TYPES = new Set<string>(['associations', 'association', 'timeline'])

function invalid(option: string, why: string): ConsoleError {
  return new ConsoleError(ConsoleErrorCode.OPTIONS_INVALID, `invalid option '${option}': ${why}`, {
    path: option,
  })
}

function nonEmpty(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(option, 'must be a non-empty string')
  return value
}

async function readBounded(response: Response, limit: number, what: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0)
  if (declared > limit) {
    await response.body?.cancel()
    throw new ConsoleError(
      ConsoleErrorCode.BAD_RESPONSE,
      `${what}: answer of ${declared} bytes exceeds ${limit}`,
    )
  }
  if (!response.body) return ''
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel()
      throw new ConsoleError(ConsoleErrorCode.BAD_RESPONSE, `${what}: answer larger than ${limit} bytes`)
    }
    text += decoder.decode(value, { stream: true })
  }
  return text + decoder.decode()
}

/**
 * A typed client for a gslb-lb node's admin API. Reads need no token; writes send `Authorization: Bearer`.
 * Errors are `ConsoleError`s with a stable `code` (`GSLB_CONSOLE_UNAUTHORIZED`, `GSLB_CONSOLE_REFUSED`, ...).
 */
export function createAdminClient(options: AdminClientOptions): AdminClient {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'must be an object')
  let base: URL
  try {
    base = new URL(nonEmpty('baseUrl', options.baseUrl))
  } catch (error) {
    if (isConsoleError(error)) throw error
    throw invalid('baseUrl', `'${options.baseUrl}' is not an absolute URL`)
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw invalid('baseUrl', `must be http: or https:, not ${base.protocol}`)
  const timeoutMs = options.timeoutMs ?? DEFAULT_ADMIN_TIMEOUT_MS
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw invalid('timeoutMs', 'must be a positive number')
  if (options.fetch !== undefined && typeof options.fetch !== 'function')
    throw invalid('fetch', 'must be a function')
  if (options.token !== undefined && typeof options.token !== 'string' && typeof options.token !== 'function')
    throw invalid('token', 'must be a string or a function returning one')
  const doFetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const baseUrl = base.href.replace(/\/+$/, '')
  const token = () => (typeof options.token === 'function' ? options.token() : options.token)

  const send = async (
    method: 'GET' | 'POST',
    path: string,
    accept: readonly number[],
    request: RequestOptions | undefined,
  ): Promise<unknown> => {
    const what = `${method} ${path.split('?')[0]}`
    const timeout = AbortSignal.timeout(timeoutMs)
    const signal = request?.signal ? AbortSignal.any([request.signal, timeout]) : timeout
    const headers: Record<string, string> = { accept: 'application/json' }
    const bearer = method === 'POST' ? token() : undefined
    if (bearer) headers.authorization = `Bearer ${bearer}`
    let response: Response
    try {
      response = await doFetch(`${baseUrl}${path}`, { method, headers, signal })
    } catch (error) {
      if (request?.signal?.aborted)
        throw new ConsoleError(ConsoleErrorCode.ABORTED, `${what}: aborted`, { cause: request.signal.reason })
      const why = timeout.aborted ? `no answer within ${timeoutMs} ms` : (error as Error).message
      throw new ConsoleError(
        ConsoleErrorCode.UNREACHABLE,
        `${what}: the admin API at ${baseUrl} did not answer: ${why}`,
        {
          cause: error,
        },
      )
    }
    const text = await readBounded(response, MAX_RESPONSE_BYTES, what)
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      body = undefined
    }
    if (response.ok || accept.includes(response.status)) {
      if (body === undefined || typeof body !== 'object' || body === null)
        throw new ConsoleError(ConsoleErrorCode.BAD_RESPONSE, `${what}: the answer is not a JSON object`, {
          status: response.status,
        })
      return body
    }
    const reason =
      typeof (body as { error?: unknown } | undefined)?.error === 'string'
        ? (body as { error: string }).error
        : text.trim().slice(0, 200) || response.statusText
    if (response.status === 401) {
      throw new ConsoleError(
        ConsoleErrorCode.UNAUTHORIZED,
        bearer
          ? `${what}: the node refused the token (HTTP 401): ${reason}`
          : `${what}: the node wants a token for writes (HTTP 401): ${reason}`,
        { status: 401 },
      )
    }
    throw new ConsoleError(
      ConsoleErrorCode.REFUSED,
      `${what}: refused by the node (HTTP ${response.status}): ${reason}`,
      {
        status: response.status,
      },
    )
  }

  const act = (
    kind: 'members' | 'servers',
    group: string,
    id: string,
    action: AdminAction,
    request?: RequestOptions,
  ) => {
    nonEmpty(kind === 'members' ? 'pool' : 'service', group)
    nonEmpty(kind === 'members' ? 'member' : 'server', id)
    if (!ADMIN_ACTIONS.includes(action)) throw invalid('action', `must be one of ${ADMIN_ACTIONS.join(', ')}`)
    const path = `/${kind}/${encodeURIComponent(group)}/${encodeURIComponent(id)}/${action}`
    return send('POST', path, [], request)
  }

  return {
    baseUrl,
    status: (request) => send('GET', '/status', [], request) as Promise<NodeStatus>,
    check: (request) => send('GET', '/check', [503], request) as Promise<CheckResult>,
    explain(query, request) {
      const params = new URLSearchParams({
        name: nonEmpty('name', query?.name),
        client: nonEmpty('client', query.client),
      })
      if (query.type) params.set('type', query.type)
      if (query.ecs) params.set('ecs', query.ecs)
      return send('GET', `/explain?${params}`, [], request) as Promise<Explanation>
    },
    reload: (request) => send('POST', '/reload', [422], request) as Promise<ReloadResult>,
    member: (pool, member, action, request) =>
      act('members', pool, member, action, request) as Promise<MemberActionResult>,
    server: (service, server, action, request) =>
      act('servers', service, server, action, request) as Promise<ServerActionResult>,
    timeline(query, request) {
      const params = query?.kind ? `?${new URLSearchParams({ kind: query.kind })}` : ''
      return send('GET', `/timeline${params}`, [], request) as Promise<TimelineView>
    },
    fleet: (request) => send('GET', '/fleet', [], request) as Promise<FleetReport>,
    async events(onEvent, request) {
      let response: Response
      try {
        response = await doFetch(`${baseUrl}/events`, {
          headers: { accept: 'text/event-stream' },
          ...(request?.signal ? { signal: request.signal } : {}),
        })
      } catch (error) {
        if (request?.signal?.aborted) return
        throw new ConsoleError(
          ConsoleErrorCode.UNREACHABLE,
          `GET /events: the admin API at ${baseUrl} did not answer`,
          {
            cause: error,
          },
        )
      }
      if (!response.ok || !response.body) {
        const text = await readBounded(response, 64 * 1024, 'GET /events').catch(() => '')
        throw new ConsoleError(
          ConsoleErrorCode.REFUSED,
          `GET /events: refused by the node (HTTP ${response.status}): ${text.trim().slice(0, 200)}`,
          { status: response.status },
        )
      }
      const parser = new SseParser(MAX_EVENT_BYTES)
      const decoder = new TextDecoder()
      const reader = response.body.getReader()
      try {
        for (;;) {
          const { done, value } = await reader.read()
          if (done) return
          for (const message of parser.push(decoder.decode(value, { stream: true }))) {
            if (!EVENT_TYPES.has(message.event)) continue
            let data: unknown
            try {
              data = JSON.parse(message.data)
            } catch {
              throw new ConsoleError(
                ConsoleErrorCode.BAD_RESPONSE,
                `GET /events: '${message.event}' data is not JSON`,
              )
            }
            onEvent({ type: message.event, data } as ConsoleEvent)
          }
        }
      } catch (error) {
        if (request?.signal?.aborted) return
        throw error
      } finally {
        await reader.cancel().catch(() => {})
      }
    },
  }
}
