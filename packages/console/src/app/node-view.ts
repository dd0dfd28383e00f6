import type { MemberView, NodeStatus, ResolvedNameView, ServerView, ServiceView } from '../api.js'
import { siteState } from '../api.js'
import { type ActionContext, actionButtons } from './actions.js'
import { type Child, h } from './dom.js'
import { ago, endpoint, isoTime, stateClass, stateGlyph } from './format.js'

export function stateBadge(state: string, extra?: string): HTMLElement {
  return h(
    'span',
    { class: stateClass(state), 'data-state': state },
    h('span', { 'aria-hidden': 'true' }, stateGlyph(state)),
    ` ${state}${extra ? ` ${extra}` : ''}`,
  )
}

function since(at: number | undefined, now: number): Child {
  if (at === undefined) return '—'
  return h('time', { datetime: isoTime(at), title: isoTime(at) }, ago(at, now))
}

function table(
  caption: string,
  head: readonly string[],
  rows: readonly HTMLElement[],
  empty: string,
): HTMLElement {
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      null,
      h('caption', null, caption),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          head.map((title) => h('th', { scope: 'col' }, title)),
        ),
      ),
      h('tbody', null, rows.length > 0 ? rows : h('tr', null, h('td', { colspan: head.length }, empty))),
    ),
  )
}

/** Why a target is in its state: the override first, then the last check in words. */
function why(view: MemberView | ServerView): Child {
  const parts: Child[] = []
  if (view.admin) parts.push(h('strong', null, `override ${view.admin}`), '; ')
  if (view.observed !== view.state) parts.push(`checks say ${view.observed}; `)
  const last = view.lastCheck
  if (last) parts.push(last.ok ? '' : '✕ ', last.message)
  else parts.push('no check yet')
  return parts
}

export function renderSummary(status: NodeStatus): Child {
  const n = status.node
  return h(
    'dl',
    { class: 'summary' },
    h(
      'div',
      null,
      h('dt', null, 'Node'),
      h(
        'dd',
        null,
        n.name,
        n.stopping ? [' ', stateBadge('drain', '(stopping: handing its VIPs over)')] : null,
      ),
    ),
    h('div', null, h('dt', null, 'Site'), h('dd', null, n.site ?? '—')),
    h('div', null, h('dt', null, 'Version'), h('dd', null, n.version)),
    h('div', null, h('dt', null, 'Up since'), h('dd', null, since(Date.parse(n.startedAt), Date.now()))),
    h(
      'div',
      null,
      h('dt', null, 'Config'),
      h(
        'dd',
        null,
        `loaded ${ago(Date.parse(n.configLoadedAt))}; reloads ${n.reloads.applied} applied, ${n.reloads.rejected} refused`,
        n.reloads.lastError ? h('span', { class: 'warn' }, ` — last refusal: ${n.reloads.lastError}`) : null,
      ),
    ),
    h(
      'div',
      null,
      h('dt', null, 'Engine'),
      h(
        'dd',
        null,
        status.engine
          ? status.engine.listening.map((e) => endpoint(e.address, e.port)).join(', ') || 'not listening'
          : 'none',
      ),
    ),
    status.vips
      ? h('div', null, h('dt', null, 'VIPs held'), h('dd', { id: 'vips' }, status.vips.join(', ') || 'none'))
      : null,
    n.configFingerprint
      ? h(
          'div',
          null,
          h('dt', null, 'Config fingerprint'),
          h('dd', null, h('code', null, n.configFingerprint)),
        )
      : null,
  )
}

export function renderSites(status: NodeStatus): Child {
  if (status.sites.length === 0) return h('p', null, 'No datacenters in this node’s topology.')
  return h(
    'ul',
    { class: 'sites' },
    status.sites.map((site) => {
      const state = siteState(site)
      return h(
        'li',
        { class: `site site-${state}`, 'data-site': site.name },
        h('h3', null, `Site ${site.name}`, site.self ? h('span', { class: 'tag' }, 'this node') : null),
        h('p', null, stateBadge(state)),
        h(
          'ul',
          { class: 'plain' },
          site.members.map((m) => h('li', null, `${m.pool}/${m.member} ${m.address} `, stateBadge(m.state))),
        ),
        h('p', { class: 'muted' }, `${site.subnets} subnet${site.subnets === 1 ? '' : 's'}`),
      )
    }),
  )
}

export function renderPools(status: NodeStatus, context: ActionContext): Child {
  if (status.pools.length === 0) return h('p', null, 'This node runs no GSLB pools.')
  const now = Date.now()
  return status.pools.map((pool) =>
    table(
      `Pool ${pool.name} (${pool.method})`,
      ['Member', 'Address', 'Site', 'State', 'Since', 'Why', 'Actions'],
      pool.members.map((m) =>
        h(
          'tr',
          { 'data-target': m.id },
          h('th', { scope: 'row' }, m.name),
          h('td', null, endpoint(m.address, m.port)),
          h('td', null, m.datacenter ?? '—'),
          h('td', null, stateBadge(m.state)),
          h('td', null, since(m.since, now)),
          h('td', { class: 'why' }, why(m)),
          h(
            'td',
            null,
            actionButtons(context, { kind: 'members', group: pool.name, id: m.name, address: m.address }),
          ),
        ),
      ),
      'no members',
    ),
  )
}

function limits(service: ServiceView): string {
  if (!service.limits) return ''
  const total = service.limits.maxConnections || '∞'
  const perClient = service.limits.maxConnectionsPerClient || '∞'
  return `; limits ${total} total, ${perClient} per client`
}

export function renderServices(status: NodeStatus, context: ActionContext): Child {
  if (status.services.length === 0) return h('p', null, 'This node forwards no services.')
  const now = Date.now()
  return status.services.map((service) =>
    h(
      'div',
      { class: 'service', 'data-service': service.name },
      h(
        'p',
        { class: 'service-head' },
        h('strong', null, service.name),
        ' on ',
        service.listen.map((l) => endpoint(l.address, l.port)).join(', '),
        ' ',
        stateBadge(service.listening ? 'up' : 'down', service.listening ? '(listening)' : '(not listening)'),
        ` — ${service.connections.active} active, ${service.connections.total} total${limits(service)}`,
      ),
      table(
        `Servers of ${service.name}`,
        ['Server', 'State', 'Since', 'Why', 'Connections', 'Actions'],
        service.servers.map((s) =>
          h(
            'tr',
            { 'data-target': `${service.name}/${s.id}` },
            h('th', { scope: 'row' }, s.id),
            h('td', null, stateBadge(s.state)),
            h('td', null, since(s.since, now)),
            h('td', { class: 'why' }, why(s)),
            h('td', null, String(s.connections ?? 0)),
            h(
              'td',
              null,
              actionButtons(context, { kind: 'servers', group: service.name, id: s.id, address: s.address }),
            ),
          ),
        ),
        'no servers (no addresses resolved yet?)',
      ),
    ),
  )
}

function origin(name: ResolvedNameView, engineAddresses: readonly string[]): string {
  if (name.lastGood) return `last-known-good since ${new Date(name.lastGood.keptSince).toLocaleTimeString()}`
  if (!name.nameserver) return name.addresses.length > 0 ? 'resolver' : 'not resolved yet'
  const host = name.nameserver.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')
  return engineAddresses.includes(name.nameserver) || engineAddresses.includes(host)
    ? `local engine (${name.nameserver})`
    : `nameserver ${name.nameserver}`
}

export function renderNames(status: NodeStatus): Child {
  if (status.resolvers.length === 0)
    return h('p', null, 'No backend names: every service has fixed addresses.')
  const engines = (status.engine?.listening ?? []).flatMap((e) => [e.address, endpoint(e.address, e.port)])
  const now = Date.now()
  return status.resolvers.map((resolver) =>
    table(
      `Resolver ${resolver.name} — asks ${resolver.nameservers.join(', ') || 'nothing'}`,
      ['Name', 'State', 'Addresses', 'From', 'Last answer', 'Last error'],
      resolver.names.map((n) =>
        h(
          'tr',
          null,
          h('th', { scope: 'row' }, n.name),
          h('td', null, stateBadge(n.lastGood ? 'last-known-good' : n.state)),
          h('td', null, n.addresses.join(', ') || '—'),
          h('td', null, origin(n, engines)),
          h('td', null, since(n.lastSuccess ?? undefined, now)),
          h('td', null, n.lastError ?? '—'),
        ),
      ),
      'no names',
    ),
  )
}
