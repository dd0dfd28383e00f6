import { formatEndpoint } from './config/addresses.js'
import { formatDuration } from './duration.js'
import type { NodeStatus, TargetView } from './node/status.js'

export type { NodeStatus }

function table(rows: string[][]): string {
  const widths: number[] = []
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length)
  }
  return rows
    .map(
      (row) =>
        `  ${row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}`,
    )
    .join('\n')
}

/** Effective state, with the override and what the checks say when they differ. */
function state(target: TargetView): string {
  if (!target.admin) return target.state
  return `${target.state} (${target.admin}; checks say ${target.observed})`
}

function lastCheck(target: TargetView): string {
  if (!target.lastCheck) return ''
  return target.lastCheck.ok ? `ok ${target.lastCheck.durationMs}ms` : `fail: ${target.lastCheck.message}`
}

/** `gslb-lb status` for people: one block per section, a row per member, name and server. */
export function formatStatus(status: NodeStatus): string {
  const out: string[] = []
  const n = status.node
  out.push(
    `node ${n.name}${n.site ? ` (site ${n.site})` : ''} — gslb-lb ${n.version}, pid ${n.pid}, up ${formatDuration(n.uptimeMs)}, ` +
      `reloads ${n.reloads.applied} applied / ${n.reloads.rejected} rejected`,
  )
  if (n.stopping) out.push('STOPPING: reporting unfit while the VIPs move to the peer')
  if (status.fleet) {
    const others = status.fleet.nodes.filter((node) => !node.self)
    out.push(
      `config fingerprint ${status.fleet.fingerprint}` +
        (others.length > 0
          ? `; fleet${status.fleet.name ? ` ${status.fleet.name}` : ''}: ${status.fleet.nodes
              .map((node) => `${node.name}${node.site ? ` (${node.site})` : ''}${node.self ? ' *' : ''}`)
              .join(', ')}`
          : ''),
    )
  }
  if (status.vips) out.push(`VIPs held here: ${status.vips.join(', ') || 'none'}`)
  if (status.engine) {
    out.push(
      `engine listening on ${status.engine.listening.map((e) => formatEndpoint(e.address, e.port)).join(', ') || 'nothing'}`,
    )
  }
  for (const site of status.sites) {
    const members =
      site.members.map((m) => `${m.pool}/${m.member} ${m.state}`).join(', ') || 'no pool members'
    out.push(`site ${site.name}${site.self ? ' (this node)' : ''}: ${site.subnets} subnet(s); ${members}`)
  }
  for (const pool of status.pools) {
    out.push(`pool ${pool.name} (${pool.method})`)
    out.push(table(pool.members.map((m) => [m.name, m.address, m.datacenter ?? '', state(m), lastCheck(m)])))
  }
  for (const resolver of status.resolvers) {
    out.push(`resolver ${resolver.name} → ${resolver.nameservers.join(', ')}`)
    if (resolver.names.length > 0) {
      out.push(
        table(resolver.names.map((r) => [r.name, r.state, r.addresses.join(', ') || '-', r.lastError ?? ''])),
      )
    }
  }
  for (const service of status.services) {
    out.push(
      `service ${service.name} on ${service.listen.map((e) => formatEndpoint(e.address, e.port)).join(', ')}` +
        `${service.listening ? '' : ' (NOT LISTENING)'} — ${service.connections.active} open, ${service.connections.total} total`,
    )
    if (service.servers.length > 0) {
      out.push(
        table(
          service.servers.map((s) => [
            s.id === formatEndpoint(s.address, s.port)
              ? s.id
              : `${s.id} (${formatEndpoint(s.address, s.port)})`,
            state(s),
            lastCheck(s),
            s.connections !== undefined ? `${s.connections} conn` : '',
          ]),
        ),
      )
    } else out.push('  (no servers)')
  }
  return out.join('\n')
}
