import { EXIT } from './constants.js'

/** Stable codes of every error the CLI raises; callers and tests match on these, never on message text. */
export type CliErrorCode =
  | 'GSLB_CONFIG_INVALID'
  | 'GSLB_CONFIG_UNREADABLE'
  | 'GSLB_CLI_USAGE'
  | 'GSLB_ADMIN_UNREACHABLE'
  | 'GSLB_ADMIN_REFUSED'
  | 'GSLB_ADMIN_UNAUTHORIZED'
  | 'GSLB_NODE_STATE'
  | 'GSLB_CLI_WRITE_FAILED'

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
    default:
      return EXIT.failure
  }
}
