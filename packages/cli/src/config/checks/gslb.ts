import type { CheckContext } from './context.js'

/**
 * The gslb section, as far as the engine cannot judge it: the engine's listeners, the monitors pools name, and
 * zones and names listed twice under one key (the engine takes them keyed by name, so it would never see the second).
 * Everything else of the section is the engine's own rule, reported by validateEngineConfig (config/library-rules.ts).
 */
export function checkGslb(context: CheckContext): void {
  const { config, issue, checkAddress, checkMonitor } = context
  const gslb = config.gslb
  if (!gslb) return
  const monitors = config.monitors ?? {}
  for (const [i, endpoint] of gslb.listen.entries())
    checkAddress(`gslb.listen[${i}].address`, endpoint.address)
  listedOnce(
    gslb.zones,
    (i) => `gslb.zones[${i}].name`,
    (name) => `zone '${name}' is listed twice`,
    issue,
  )
  listedOnce(
    gslb.names ?? [],
    (i) => `gslb.names[${i}].name`,
    (name) => `'${name}' is listed twice`,
    issue,
  )
  for (const [poolName, pool] of Object.entries(gslb.pools ?? {})) {
    const base = `gslb.pools.${poolName}`
    checkMonitor(`${base}.monitor`, pool.monitor)
    const monitor = pool.monitor === undefined ? undefined : monitors[pool.monitor]
    if (pool.port === undefined && monitor && monitor.port === undefined) {
      issue(
        `${base}.port`,
        `is required: monitor '${pool.monitor}' sets no port, so there is no port to check`,
      )
    }
  }
}

/** The same name twice in a list the engine takes as a map (other spellings of one DNS name are the engine's rule). */
function listedOnce(
  entries: readonly { name: string }[],
  path: (index: number) => string,
  message: (name: string) => string,
  issue: CheckContext['issue'],
): void {
  const seen = new Set<string>()
  entries.forEach((entry, i) => {
    if (seen.has(entry.name)) issue(path(i), message(entry.name))
    seen.add(entry.name)
  })
}
