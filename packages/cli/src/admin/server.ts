import { timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { isLoopback } from '../config/addresses.js'
import type { Endpoint } from '../config/types.js'
import { ADMIN_MAX_BODY_BYTES, ADMIN_REQUEST_TIMEOUT_MS } from '../constants.js'
import { CliError } from '../errors.js'

export type AdminAction = 'drain' | 'force-up' | 'force-down' | 'clear'
export const ADMIN_ACTIONS: readonly AdminAction[] = ['drain', 'force-up', 'force-down', 'clear']

/** What the admin API needs from the node it serves. */
export interface AdminHandlers {
  status(): unknown
  check(): { healthy: boolean; reasons: string[] }
  metrics(): Promise<{ contentType: string; body: string }>
  reload(): Promise<{ applied: boolean }>
  /** How the engine answers a name for a client now; throws `GSLB_CLI_USAGE` for bad input (HTTP 400). */
  explain(query: { name: string; client: string; type: string; ecs?: string }): unknown
  /** Applies an override; throws `CliError` `GSLB_NODE_STATE` when the pool/member or service/server is unknown. */
  act(kind: 'members' | 'servers', group: string, id: string, action: AdminAction): unknown
}

export interface AdminServerOptions {
  listen: Endpoint
  /** Bearer token for writes; a function is asked on every request (a reload may change it). */
  token?: string | (() => string | undefined)
  handlers: AdminHandlers
}

export interface AdminServer {
  start(): Promise<Endpoint>
  stop(): Promise<void>
  address(): Endpoint | undefined
}

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

function tokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/.exec(header ?? '')
  if (!match) return false
  const given = Buffer.from(match[1]!)
  const expected = Buffer.from(token)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/**
 * The admin HTTP API: `GET /status`, `GET /check`, `GET /metrics`, `GET /explain?name=&client=`, `POST /reload`,
 * `POST /members/:pool/:member/:action`, `POST /servers/:service/:server/:action`
 * (action: drain, force-up, force-down, clear). Writes need `Authorization: Bearer <token>` when a token is set,
 * and are refused outright on a non-loopback listener without one.
 */
export function createAdminServer(options: AdminServerOptions): AdminServer {
  const { handlers } = options
  const currentToken =
    typeof options.token === 'function' ? options.token : () => options.token as string | undefined
  let server: Server | undefined
  let bound: Endpoint | undefined

  const authorizeWrite = (req: IncomingMessage) => {
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
    const only = (allowed: string) => {
      if (method !== allowed) {
        res.setHeader('allow', allowed)
        throw new HttpError(405, `${method} not allowed on ${url.pathname} (use ${allowed})`)
      }
    }
    await drainBody(req)
    const [first, ...rest] = parts
    if (first === 'status' && rest.length === 0) {
      only('GET')
      return send(res, 200, handlers.status())
    }
    if (first === 'check' && rest.length === 0) {
      only('GET')
      const result = handlers.check()
      return send(res, result.healthy ? 200 : 503, result)
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

  return {
    async start() {
      if (server) return bound!
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
        created.listen({ host: options.listen.address, port: options.listen.port }, () => {
          created.off('error', reject)
          resolve()
        })
      })
      server = created
      const address = created.address() as AddressInfo
      bound = { address: address.address, port: address.port }
      return bound
    },
    async stop() {
      const current = server
      server = undefined
      bound = undefined
      if (!current) return
      await new Promise<void>((resolve) => {
        current.close(() => resolve())
        current.closeAllConnections()
      })
    },
    address: () => bound,
  }
}
