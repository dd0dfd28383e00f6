/** Replaced at build time from package.json; the fallback is what tests see. */
declare const __GSLB_CLI_VERSION__: string | undefined

export const VERSION: string = typeof __GSLB_CLI_VERSION__ === 'string' ? __GSLB_CLI_VERSION__ : '0.1.0'
