/** Where the console's script and style sheet are served; the page itself is served at `/`. */
export const CONSOLE_ASSET_PREFIX = '/console/'

/** Each admin request (not the event stream) is given this long, unless the caller says otherwise. */
export const DEFAULT_ADMIN_TIMEOUT_MS = 5_000

/** The largest JSON answer the client reads (a status of a big fleet is a few hundred KiB). */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024

/** The largest single Server-Sent Event the client accepts before it drops the stream. */
export const MAX_EVENT_BYTES = 1024 * 1024

/**
 * The page loads only its own script and style sheet and talks only to its own origin: no inline script, no
 * outside host, no framing.
 */
export const CONSOLE_CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
