import type { FleetReport } from '../api.js'
import { type Child, h } from './dom.js'
import { clock, endpoint } from './format.js'
import { stateBadge } from './node-view.js'

/** All nodes side by side: reachable, config fingerprint (drift marked in words), VIPs, each one's view of every site. */
export function renderFleet(report: FleetReport): Child {
  const siteNames = [...new Set(report.nodes.flatMap((n) => n.sites?.map((s) => s.name) ?? []))].sort()
  const drifted = report.nodes.filter(
    (n) => n.configFingerprint && n.configFingerprint !== report.fingerprint,
  )
  return [
    h(
      'p',
      null,
      `${report.name ? `Fleet ${report.name}: ` : ''}${report.nodes.length} node(s); this node's config fingerprint `,
      h('code', null, report.fingerprint),
      drifted.length > 0
        ? h(
            'strong',
            { class: 'error' },
            ` — drift: ${drifted.map((n) => n.name).join(', ')} run(s) another config`,
          )
        : ' — every reachable node runs the same config',
    ),
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { id: 'fleet-table' },
        h('caption', null, 'Every node, as this node sees it now'),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            [
              'Node',
              'Site',
              'Admin API',
              'Reachable',
              'Config',
              'VIPs held',
              ...siteNames.map((s) => `Site ${s}`),
            ].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          null,
          report.nodes.map((n) => {
            const drift = n.configFingerprint !== undefined && n.configFingerprint !== report.fingerprint
            return h(
              'tr',
              { 'data-node': n.name, class: drift ? 'drift' : null },
              h('th', { scope: 'row' }, n.name, n.self ? h('span', { class: 'tag' }, 'this node') : null),
              h('td', null, n.site ?? '—'),
              h('td', null, endpoint(n.admin.address, n.admin.port)),
              h(
                'td',
                null,
                n.reachable
                  ? stateBadge('up', 'reachable')
                  : [stateBadge('down', 'unreachable'), h('div', { class: 'muted' }, n.error ?? '')],
                h('div', { class: 'muted' }, `asked ${clock(n.askedAt)}`),
              ),
              h(
                'td',
                null,
                n.configFingerprint ? h('code', null, n.configFingerprint) : '—',
                drift ? [' ', stateBadge('down', 'drift: differs')] : n.configFingerprint ? ' same' : null,
              ),
              h('td', null, n.vips ? n.vips.join(', ') || 'none' : '—', n.stopping ? ' (stopping)' : null),
              siteNames.map((name) => {
                const site = n.sites?.find((s) => s.name === name)
                return h('td', null, site ? stateBadge(site.state) : '—')
              }),
            )
          }),
        ),
      ),
    ),
  ]
}
