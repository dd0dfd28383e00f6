import { timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { type AddressInfo, isIP } from 'node:net'
import { ADMIN_ACTIONS, type AdminAction, consoleAssets } from '@gslb/console'
import { isLoopback, isWildcard } from '../config/addresses.js'
import type { Endpoint } from '../config/types.js'
import { ADMIN_MAX_BODY_BYTES, ADMIN_REQUEST_TIMEOUT_MS, CONSOLE_LIMITS } from '../constants.js'
import { CliError, CliErrorCode } from '../errors.js'
import type { CheckResult, CheckScope } from '../node/observe.js'
import { EventStreams, type LiveSource } from './event-stream.js'

export type { AdminAction }
export { ADMIN_ACTIONS }

/** What the admin API needs from the node it serves. */
export interface AdminHandlers {
  status(): unknown
  /**
   * Fit to hold the VIP(s) of `scope`; throws `GSLB_NODE_STATE` (HTTP 404) for an unknown VIP or service. May wait
   * (a node handing its VIP over answers between two connections).
   */
  check(scope: CheckScope): CheckResult | Promise<CheckResult>
  metrics(): Promise<{ contentType: string; body: string }>
  reload(): Promise<{ applied: boolean }>
  /** How the engine answers a name for a client now; throws `GSLB_CLI_USAGE` for bad input (HTTP 400). */
  explain(query: { name: string; client: string; type: string; ecs?: string }): unknown
  /** Applies an override; throws `CliError` `GSLB_NODE_STATE` when the pool/member or service/server is unknown. */
  act(kind: 'members' | 'servers', group: string, id: string, action: AdminAction): unknown
  /** GET /timeline[?kind=]: the node's recent state changes; throws `GSLB_CLI_USAGE` (HTTP 400) for a bad kind. */
  timeline?(kind: string | undefined): unknown
  /** GET /fleet: every node of the fleet as this node sees it; throws `GSLB_NODE_STATE` (404) without a fleet. */
  fleet?(): Promise<unknown>
  /** GET /events: what the Server-Sent Events streams carry. */
  live?: LiveSource
}

export interface AdminServerOptions {
  listen: Endpoint
  /** Bearer token for writes; a function is asked on every request (a reload may change it). */
  token?: string | (() => string | undefined)
  /**
   * Host header names answered besides the listen address, localhost, 127.0.0.1 and [::1] (admin.allowedHosts);
   * a function is asked on every request.
   */
  allowedHosts?: readonly string[] | (() => readonly string[] | undefined)
  handlers: AdminHandlers
}

/** The admin API's HTTP listener, with the lifecycle every gslb-lb component shares (docs/architecture.md). */
export interface AdminServer {
  /** Binds the listener; the same promise on a second call. After close/destroy: `GSLB_NODE_CLOSED`. */
  start(options?: { signal?: AbortSignal }): Promise<void>
  /** Where it listens, once started. */
  address(): Endpoint | undefined
  /**
   * Stops accepting, ends the event streams and idle keep-alive connections, lets requests in progress finish until
   * `deadlineMs` (default 2 s) or `signal`, then closes what is left. Idempotent; resolves at once when never started.
   */
  close(options?: { deadlineMs?: number; signal?: AbortSignal }): Promise<void>
  /** Closes every connection at once. Idempotent. */
  destroy(error?: Error): void
  [Symbol.asyncDispose](): Promise<void>
}

const DEFAULT_ADMIN_CLOSE_DEADLINE_MS = 2_000
const MAX_TIMER_MS = 2 ** 31 - 1

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

function send(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = contentType === 'application/json' ? `${JSON.stringify(body, null, 2)}\n` : String(body)
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  })
  res.end(text)
}

async function drainBody(req: IncomingMessage): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > ADMIN_MAX_BODY_BYTES)
    throw new HttpError(413, `request body larger than ${ADMIN_MAX_BODY_BYTES} bytes`)
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > ADMIN_MAX_BODY_BYTES)
      throw new HttpError(413, `request body larger than ${ADMIN_MAX_BODY_BYTES} bytes`)
  }
}

/** The console's page, script and style sheet (GET /, GET /console/*), with a 304 for a matching ETag. */
function sendConsoleAsset(req: IncomingMessage, res: ServerResponse, path: string): void {
  let asset: ReturnType<ReturnType<typeof consoleAssets>['get']>
  try {
    asset = consoleAssets().get(path)
  } catch (error) {
    throw new HttpError(503, `the console is not available: ${(error as Error).message}`)
  }
  if (!asset) throw new HttpError(404, `no route GET ${path}`)
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, { etag: asset.etag, 'cache-control': 'no-cache' })
    res.end()
    return
  }
  res.writeHead(200, asset.headers)
  res.end(asset.body)
}

function tokenMatches(header: string | undefined, token: string): boolean {
  // RFC 9110 §11.1: the scheme is case-insensitive.
  const match = /^bearer +(.+)$/i.exec(header ?? '')
  if (!match) return false
  const given = Buffer.from(match[1]!)
  const expected = Buffer.from(token)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/**
 * DNS rebinding makes a browser send requests for attacker.example to this node's loopback; the Host header still
 * names attacker.example. Answer only to names this API is known by: its listen address, loopback names, any IP
 * literal when it listens on a wildcard (an IP origin cannot be rebound), and admin.allowedHosts. Clients that send
 * no Host (not browsers) are answered.
 */
export function hostAllowed(
  header: string | undefined,
  listen: Endpoint | undefined,
  extra: readonly string[],
): boolean {
  if (header === undefined) return true
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(header.trim().toLowerCase())
  if (!match) return false
  const host = match[1]!.replace(/\.$/, '')
  if (match[2] !== undefined && listen && Number(match[2]) !== listen.port) return false
  const bare = host.startsWith('[') ? host.slice(1, -1) : host
  if (['localhost', '127.0.0.1', '::1'].includes(bare)) return true
  if (listen && bare === listen.address.toLowerCase()) return true
  if (listen && isWildcard(listen.address) && isIP(bare) !== 0) return true
  return extra.some((name) => name.toLowerCase().replace(/\.$/, '') === bare)
}

/**
 * The admin HTTP API: the console (`GET /`, `GET /console/*`), `GET /events` (Server-Sent Events), `GET /timeline`,
 * `GET /fleet`, `GET /status`, `GET /check[?vip=&service=]` (200 fit, 503 unfit), `GET /metrics`, `GET /explain?name=&client=`, `POST /reload`,
 * `POST /members/:pool/:member/:action`, `POST /servers/:service/:server/:action`
 * (action: drain, force-up, force-down, clear). Writes need `Authorization: Bearer <token>` when a token is set,
 * and are refused outright on a non-loopback listener without one, and when they come with a foreign `Origin`.
 * Every request with an unknown `Host` is refused (see `hostAllowed`).
 */
export function createAdminServer(options: AdminServerOptions): AdminServer {
  const { handlers } = options
  const currentToken =
    typeof options.token === 'function' ? options.token : () => options.token as string | undefined
  let server: Server | undefined
  let bound: Endpoint | undefined
  const streams = handlers.live ? new EventStreams(handlers.live) : undefined

  const hostsOf = () => {
    const extra = typeof options.allowedHosts === 'function' ? options.allowedHosts() : options.allowedHosts
    return extra ?? []
  }

  const authorizeWrite = (req: IncomingMessage) => {
    // A browser on the node (or a page it visits) must not post here: the Origin of a cross-site request is
    // never the admin API's own — http://<Host>, or https://<Host> behind a TLS-terminating reverse proxy that
    // passes the Host header on (docs/operations.md).
    const origin = req.headers.origin
    const host = req.headers.host ?? ''
    if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`) {
      throw new HttpError(403, `cross-origin write refused (Origin ${origin})`)
    }
    const token = currentToken()
    if (token) {
      if (!tokenMatches(req.headers.authorization, token))
        throw new HttpError(401, 'a valid bearer token is required')
    } else if (!isLoopback(options.listen.address)) {
      throw new HttpError(403, 'writes are disabled: the admin API listens beyond loopback without a token')
    }
  }

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://admin')
    const parts = url.pathname
      .split('/')
      .filter(Boolean)
      .map((part) => {
        try {
          return decodeURIComponent(part)
        } catch {
          throw new HttpError(400, `bad percent-encoding in the path: ${part}`)
        }
      })
    const method = req.method ?? 'GET'
    if (!hostAllowed(req.headers.host, bound, hostsOf())) {
      throw new HttpError(
        403,
        `unknown Host '${req.headers.host}': add it to admin.allowedHosts if this node is reached by that name`,
      )
    }
    const only = (allowed: string) => {
      if (method !== allowed) {
        res.setHeader('allow', allowed)
        throw new HttpError(405, `${method} not allowed on ${url.pathname} (use ${allowed})`)
      }
    }
    await drainBody(req)
    const [first, ...rest] = parts
    if (first === undefined || (first === 'console' && rest.length === 1)) {
      only('GET')
      return sendConsoleAsset(req, res, url.pathname)
    }
    if (first === 'events' && rest.length === 0 && streams) {
      only('GET')
      if (!streams.open(req, res))
        throw new HttpError(503, `too many event streams open (at most ${CONSOLE_LIMITS.eventClients})`)
      return
    }
    if (first === 'timeline' && rest.length === 0 && handlers.timeline) {
      only('GET')
      return send(res, 200, handlers.timeline(url.searchParams.get('kind') ?? undefined))
    }
    if (first === 'fleet' && rest.length === 0 && handlers.fleet) {
      only('GET')
      return send(res, 200, await handlers.fleet())
    }
    if (first === 'status' && rest.length === 0) {
      only('GET')
      return send(res, 200, handlers.status())
    }
    if (first === 'check' && rest.length === 0) {
      only('GET')
      // keepalived's check: `curl -fsS --max-time 0.8 'http://127.0.0.1:9180/check?vip=10.1.0.50'`.
      const scope = { vips: url.searchParams.getAll('vip'), services: url.searchParams.getAll('service') }
      if (scope.vips.length + scope.services.length > 64)
        throw new HttpError(400, 'at most 64 vip/service parameters')
      const result = await handlers.check(scope)
      return send(res, result.fit ? 200 : 503, result)
    }
    if (first === 'metrics' && rest.length === 0) {
      only('GET')
      const { contentType, body } = await handlers.metrics()
      return send(res, 200, body, contentType)
    }
    if (first === 'explain' && rest.length === 0) {
      only('GET')
      const name = url.searchParams.get('name')
      const client = url.searchParams.get('client')
      if (!name || !client) throw new HttpError(400, 'explain needs ?name=<name>&client=<address>')
      const ecs = url.searchParams.get('ecs')
      const type = url.searchParams.get('type') ?? 'A'
      return send(res, 200, handlers.explain({ name, client, type, ...(ecs ? { ecs } : {}) }))
    }
    if (first === 'reload' && rest.length === 0) {
      only('POST')
      authorizeWrite(req)
      const result = await handlers.reload()
      return send(res, result.applied ? 200 : 422, result)
    }
    if ((first === 'members' || first === 'servers') && rest.length === 3) {
      only('POST')
      authorizeWrite(req)
      const [group, id, action] = rest as [string, string, string]
      if (!ADMIN_ACTIONS.includes(action as AdminAction)) {
        throw new HttpError(404, `unknown action '${action}' (use ${ADMIN_ACTIONS.join(', ')})`)
      }
      return send(res, 200, handlers.act(first, group, id, action as AdminAction))
    }
    throw new HttpError(404, `no route ${method} ${url.pathname}`)
  }

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((error: unknown) => {
      let status = 500
      if (error instanceof HttpError) status = error.status
      else if (error instanceof CliError && error.code === 'GSLB_NODE_STATE') status = 404
      else if (error instanceof CliError && error.code === 'GSLB_CLI_USAGE') status = 400
      const body = {
        error: (error as Error).message,
        ...(error instanceof CliError ? { code: error.code } : {}),
      }
      if (res.headersSent) res.destroy()
      else {
        if (status >= 400 && status !== 405) res.setHeader('connection', 'close')
        send(res, status, body)
      }
    })
  }

  let starting: Promise<void> | undefined
  let closing: Promise<void> | undefined
  let closed = false

  const bind = async (signal: AbortSignal | undefined): Promise<void> => {
    signal?.throwIfAborted()
    const created = createServer(
      {
        requestTimeout: ADMIN_REQUEST_TIMEOUT_MS,
        headersTimeout: ADMIN_REQUEST_TIMEOUT_MS,
        maxHeaderSize: 8192,
      },
      handle,
    )
    created.maxConnections = 64
    created.keepAliveTimeout = 2_000
    await new Promise<void>((resolve, reject) => {
      created.once('error', reject)
      created.listen({ host: options.listen.address, port: options.listen.port, signal }, () => {
        created.off('error', reject)
        resolve()
      })
    })
    if (closed) {
      created.closeAllConnections()
      created.close()
      throw closedError()
    }
    server = created
    const address = created.address() as AddressInfo
    bound = { address: address.address, port: address.port }
  }

  const destroyNow = (): void => {
    closed = true
    const current = server
    server = undefined
    bound = undefined
    streams?.close()
    current?.close()
    current?.closeAllConnections()
  }

  const admin: AdminServer = {
    start(startOptions = {}) {
      if (closed) return Promise.reject(closedError())
      starting ??= bind(startOptions.signal).catch((error: unknown) => {
        starting = undefined
        throw error
      })
      return starting
    },
    address: () => bound,
    close(closeOptions = {}) {
      if (closing) return closing
      const deadlineMs = closeOptions.deadlineMs ?? DEFAULT_ADMIN_CLOSE_DEADLINE_MS
      // setTimeout fires at once for NaN, negatives and anything past 2^31-1 ms: refuse instead of cutting requests
      if (!Number.isInteger(deadlineMs) || deadlineMs < 0 || deadlineMs > MAX_TIMER_MS) {
        return Promise.reject(
          new CliError(
            CliErrorCode.CLI_USAGE,
            `close(): deadlineMs must be an integer from 0 to ${MAX_TIMER_MS}, not ${deadlineMs}`,
          ),
        )
      }
      closed = true
      const current = server
      streams?.close()
      if (!current) {
        closing = Promise.resolve()
        return closing
      }
      closing = new Promise<void>((resolve) => {
        const finish = () => {
          clearTimeout(timer)
          closeOptions.signal?.removeEventListener('abort', finish)
          destroyNow()
        }
        const timer = setTimeout(finish, deadlineMs)
        closeOptions.signal?.addEventListener('abort', finish, { once: true })
        if (closeOptions.signal?.aborted) finish()
        current.close(() => {
          finish()
          resolve()
        })
        current.closeIdleConnections()
      })
      return closing
    },
    destroy() {
      destroyNow()
      closing ??= Promise.resolve()
    },
    [Symbol.asyncDispose]: () => admin.close(),
  }
  return admin
}

function closedError(): CliError {
  return new CliError(CliErrorCode.NODE_CLOSED, 'the admin API was closed')
}
