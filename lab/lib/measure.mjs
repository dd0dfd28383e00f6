// What a drill measures from the modality's associations and the balancers, and the table it prints.
import { adminText, holdersOf } from './daemons.mjs'
import { landedIn } from './load.mjs'
import { balancers, modalityVip, SITES } from './plan.mjs'
import { sleep } from './sh.mjs'

/** Failed, as issue 11 defines it: an association that did not store its object (no PACS has it). */
export const failedOf = (records) => records.filter((r) => r.pacs === null)

/** Stored, but storescu still exited with an error (e.g. the release was aborted): shown, not counted as failed. */
export const storedWithErrorOf = (records) => records.filter((r) => r.pacs !== null && r.code !== 0)

/**
 * The longest time without a stored object while the modality sent: from the load's start to the first stored
 * object, between consecutive stored objects, and from the last one to the load's end.
 */
export function longestGapMs(records) {
  if (records.length === 0) return 0
  const ends = records.filter((r) => r.pacs !== null).map((r) => r.endedAt)
  const points = [records[0].startedAt, ...ends, Math.max(...records.map((r) => r.endedAt))]
  let longest = 0
  for (let i = 1; i < points.length; i++) longest = Math.max(longest, points[i] - points[i - 1])
  return longest
}

/** From `at` to the end of the first association ended after it that stored at `site`; null when none did. */
export function firstAt(records, site, at) {
  const first = records.find((r) => r.endedAt > at && r.startedAt >= at - 5_000 && r.site === site)
  return first ? first.endedAt - at : null
}

/** The longest single association (storescu start to exit). */
export const longestAssociationMs = (records) => Math.max(0, ...records.map((r) => r.endedAt - r.startedAt))

/** Polls who holds each site's modality VIP until stopped; the list of changes. */
export function watchVips(intervalMs = 250) {
  const changes = []
  const last = {}
  let stopped = false
  const done = (async () => {
    while (!stopped) {
      for (const site of SITES) {
        const holders = (await holdersOf(modalityVip(site), site)).join(',')
        if (last[site] !== undefined && last[site] !== holders)
          changes.push({ at: Date.now(), site, holders })
        last[site] = holders
      }
      await sleep(intervalMs)
    }
  })()
  return {
    current: (site) => last[site],
    stop: async () => {
      stopped = true
      await done
      return changes
    },
  }
}

/** `gslb_health_state_changes_total{state="down"}` of every balancer, by node and target. */
export async function healthDowns() {
  const downs = {}
  for (const balancer of balancers()) {
    const text = await adminText(balancer, '/metrics').catch(() => null)
    if (text === null) continue
    downs[balancer.node] = {}
    for (const match of String(text).matchAll(
      /gslb_health_state_changes_total\{target="([^"]+)",state="down"\} (\d+)/g,
    )) {
      downs[balancer.node][match[1]] = Number(match[2])
    }
  }
  return downs
}

/** Down transitions between two `healthDowns()` snapshots, as "node target" → count. */
export function downsBetween(before, after) {
  const diff = {}
  for (const [node, targets] of Object.entries(after)) {
    for (const [target, count] of Object.entries(targets)) {
      const added = count - (before[node]?.[target] ?? 0)
      if (added > 0) diff[`${node} ${target}`] = added
    }
  }
  return diff
}

/** The common part of every drill's result. */
export function summarize(records) {
  return {
    associations: records.length,
    ok: records.length - failedOf(records).length,
    failed: failedOf(records).length,
    storedWithError: storedWithErrorOf(records).map((r) => `#${r.index} exit ${r.code}: ${r.error}`),
    // per modality: two sites' loops interleave
    longestGapMs: Math.max(
      0,
      ...SITES.map((site) => longestGapMs(records.filter((r) => r.modality === site))),
    ),
    longestAssociationMs: longestAssociationMs(records),
    landed: landedIn(records.map((r) => r.uid)),
    failures: failedOf(records)
      .slice(0, 10)
      .map((r) => `#${r.index} exit ${r.code}${r.error ? `: ${r.error}` : ''}`),
  }
}

const ms = (value) => (value === null || value === undefined ? '-' : `${value} ms`)

export function formatTable(results) {
  const header = [
    'drill',
    'ok',
    'failed',
    'longest gap',
    'first OK at survivor',
    'fail-back',
    'landed a1/a2/b1/b2',
    'took',
    'verdict',
  ]
  const rows = results.map((r) => [
    r.name,
    String(r.ok ?? '-'),
    String(r.failed ?? '-'),
    ms(r.longestGapMs),
    ms(r.firstAtSurvivorMs),
    ms(r.failBackMs),
    r.landed ? ['a1', 'a2', 'b1', 'b2'].map((p) => r.landed[p] ?? 0).join('/') : '-',
    `${Math.round(r.durationMs / 1000)} s`,
    r.error
      ? `ERROR ${r.error}`
      : r.passed
        ? 'PASS'
        : `FAIL ${Object.entries(r.checks)
            .filter(([, ok]) => !ok)
            .map(([name]) => name)
            .join('; ')}`,
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)))
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}
