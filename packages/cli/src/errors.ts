import { EXIT } from './constants.js'

/**
 * Stable codes of every error the CLI raises; callers and tests match on these, never on message text. Unlike the
 * libraries' `GSLB_<PACKAGE>_…` codes these carry no package prefix: they are the operator-facing contract of the
 * README's exit-code table and keep their names.
 */
export const CliErrorCode = {
  CONFIG_INVALID: 'GSLB_CONFIG_INVALID',
  CONFIG_UNREADABLE: 'GSLB_CONFIG_UNREADABLE',
  CLI_USAGE: 'GSLB_CLI_USAGE',
  ADMIN_UNREACHABLE: 'GSLB_ADMIN_UNREACHABLE',
  ADMIN_REFUSED: 'GSLB_ADMIN_REFUSED',
  ADMIN_UNAUTHORIZED: 'GSLB_ADMIN_UNAUTHORIZED',
  NODE_STATE: 'GSLB_NODE_STATE',
  NODE_CLOSED: 'GSLB_NODE_CLOSED',
  CLI_WRITE_FAILED: 'GSLB_CLI_WRITE_FAILED',
  ROUTES_UNREADABLE: 'GSLB_ROUTES_UNREADABLE',
} as const
export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode]

const CODES = new Set<string>(Object.values(CliErrorCode))

/** Base error of `@gslb/cli`. */
export class CliError extends Error {
  readonly code: CliErrorCode

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CliError'
    this.code = code
  }
}

/** One problem found in a configuration: where (`services.X.backends[0].port`) and what. */
export interface ConfigIssue {
  path: string
  message: string
  /** In a fleet file: the nodes whose resolved config has this problem. */
  nodes?: string[]
}

/** A configuration that cannot be used. `issues` lists every problem found, not just the first. */
export class ConfigError extends CliError {
  readonly issues: readonly ConfigIssue[]
  readonly file: string | undefined

  constructor(issues: readonly ConfigIssue[], file?: string) {
    const where = file ? ` ${file}` : ''
    const lines = issues.map(
      (issue) =>
        `  ${issue.path || '(root)'}: ${issue.message}${issue.nodes ? ` (node${issue.nodes.length > 1 ? 's' : ''} ${issue.nodes.join(', ')})` : ''}`,
    )
    super(
      'GSLB_CONFIG_INVALID',
      `invalid configuration${where} (${issues.length} error(s)):\n${lines.join('\n')}`,
    )
    this.name = 'ConfigError'
    this.issues = issues
    this.file = file
  }
}

/** True for a CliError (or ConfigError), also one from another copy of this package: matches on a known code. */
export function isCliError(value: unknown): value is CliError {
  if (!(value instanceof Error)) return false
  const { name, code } = value as { name?: unknown; code?: unknown }
  return (name === 'CliError' || name === 'ConfigError') && typeof code === 'string' && CODES.has(code)
}

/** The exit code for an error that ends a command (the table in the README). */
export function exitCodeOf(error: unknown): number {
  if (!(error instanceof CliError)) return EXIT.failure
  switch (error.code) {
    case 'GSLB_CONFIG_INVALID':
    case 'GSLB_CONFIG_UNREADABLE':
      return EXIT.config
    case 'GSLB_CLI_USAGE':
    case 'GSLB_ADMIN_UNAUTHORIZED':
      return EXIT.usage
    case 'GSLB_ADMIN_UNREACHABLE':
      return EXIT.unreachable
    case 'GSLB_ROUTES_UNREADABLE':
      return EXIT.routesUnreadable
    default:
      return EXIT.failure
  }
}
