import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CONSOLE_ASSET_PREFIX, CONSOLE_CONTENT_SECURITY_POLICY } from './constants.js'
import { ConsoleError, ConsoleErrorCode } from './errors.js'

/** One static file of the console, ready to send. */
export interface ConsoleAsset {
  /** The URL path it is served at: `/` for the page, `/console/console.js`, `/console/console.css`. */
  path: string
  /** Where it lies on disk. */
  file: string
  contentType: string
  body: Buffer
  /** A strong validator (content hash), for `If-None-Match`. */
  etag: string
  /** Every response header it needs (content type and length, caching, CSP for the page, no sniffing). */
  headers: Record<string, string>
}

export interface ConsoleAssets {
  /** The folder the files were read from. */
  dir: string
  files: ReadonlyMap<string, ConsoleAsset>
  /** The asset for a request path (query string ignored), or undefined. */
  get(urlPath: string): ConsoleAsset | undefined
}

const FILES: readonly { path: string; name: string; contentType: string }[] = [
  { path: '/', name: 'index.html', contentType: 'text/html; charset=utf-8' },
  {
    path: `${CONSOLE_ASSET_PREFIX}console.js`,
    name: 'console.js',
    contentType: 'text/javascript; charset=utf-8',
  },
  { path: `${CONSOLE_ASSET_PREFIX}console.css`, name: 'console.css', contentType: 'text/css; charset=utf-8' },
]

let cached: ConsoleAssets | undefined

/** The built files sit beside the built module (dist/assets); from the sources (tests), in ../dist/assets. */
function assetsDir(): string {
  const candidates = [join(__dirname, 'assets'), join(__dirname, '..', 'dist', 'assets')]
  const found = candidates.find((dir) => FILES.every((f) => existsSync(join(dir, f.name))))
  if (!found) {
    throw new ConsoleError(
      ConsoleErrorCode.NOT_BUILT,
      `the console's files are not built (looked in ${candidates.join(' and ')}); run: pnpm --filter @gslb/console build`,
    )
  }
  return found
}

/**
 * The console's static files (the page, one script, one style sheet), read once and kept in memory. Serve them
 * on the admin listener: `assets.get(url.pathname)` → send `headers` and `body`. Throws `GSLB_CONSOLE_NOT_BUILT`
 * when the package was not built.
 */
export function consoleAssets(): ConsoleAssets {
  if (cached) return cached
  const dir = assetsDir()
  const files = new Map<string, ConsoleAsset>()
  for (const spec of FILES) {
    const file = join(dir, spec.name)
    const body = readFileSync(file)
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`
    const headers: Record<string, string> = {
      'content-type': spec.contentType,
      'content-length': String(body.length),
      'cache-control': 'no-cache',
      etag,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    }
    if (spec.path === '/') {
      headers['content-security-policy'] = CONSOLE_CONTENT_SECURITY_POLICY
      headers['x-frame-options'] = 'DENY'
    }
    files.set(spec.path, { path: spec.path, file, contentType: spec.contentType, body, etag, headers })
  }
  const assets: ConsoleAssets = {
    dir,
    files,
    get: (urlPath) => files.get(urlPath.split('?')[0] ?? urlPath),
  }
  cached = assets
  return assets
}
