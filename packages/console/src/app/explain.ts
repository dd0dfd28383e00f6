import type { Explanation, NodeStatus } from '../api.js'
import type { AdminClient } from '../client.js'
import { type Child, h, patch } from './dom.js'
import { stateBadge } from './node-view.js'

/** The same lines as `gslb-lb explain`, with the candidates as a table. */
export function renderExplanation(e: Explanation): Child {
  const where = e.client.datacenter ? `datacenter ${e.client.datacenter}` : 'no datacenter'
  const ecs = e.client.ecs
    ? e.client.ecsUsed
      ? `, ECS ${e.client.ecs} used`
      : `, ECS ${e.client.ecs} ignored: ${e.client.ecsIgnored}`
    : ''
  return [
    h(
      'p',
      { class: 'answer' },
      h('strong', null, 'Answer: '),
      e.answers.length > 0 ? e.answers.map((r) => `${r.data} (ttl ${r.ttl})`).join(', ') : '(none)',
      ` — rcode ${e.rcode}`,
    ),
    h(
      'p',
      null,
      `${e.query.name} ${e.query.type} asked by ${e.client.address} (${where}${ecs}); zone ${e.zone ?? 'none (not authoritative)'}`,
    ),
    h('p', null, h('strong', null, 'Why: '), e.reason),
    e.decisions.map((d) =>
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          null,
          h(
            'caption',
            null,
            `Pool ${d.pool} (${d.method}, maxAnswers ${d.maxAnswers}, ${d.outcome}${d.datacenterOrder ? `; site order ${d.datacenterOrder.join(' > ')}` : ''})`,
          ),
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['#', 'Member', 'Address', 'Site', 'State', 'Eligible'].map((t) =>
                h('th', { scope: 'col' }, t),
              ),
            ),
          ),
          h(
            'tbody',
            null,
            d.candidates.map((c) =>
              h(
                'tr',
                null,
                h('td', null, c.position !== null ? `#${c.position}` : '—'),
                h('th', { scope: 'row' }, c.member),
                h('td', null, c.address),
                h('td', null, c.datacenter ?? '—'),
                h('td', null, stateBadge(c.drained ? 'drain' : c.effective)),
                h('td', null, c.eligible ? 'eligible' : 'not eligible'),
              ),
            ),
          ),
        ),
        d.reason !== e.reason ? h('p', { class: 'muted' }, d.reason) : null,
      ),
    ),
  ]
}

/** The explain form; the names the node resolves are offered as suggestions. */
export function renderExplainForm(
  container: Element,
  client: AdminClient,
  status: NodeStatus | undefined,
): void {
  const names = [...new Set(status?.resolvers.flatMap((r) => r.names.map((n) => n.name)) ?? [])]
  const result = h('div', { id: 'explain-result', 'aria-live': 'polite' })
  const field = (id: string, label: string, props: Record<string, string | boolean>) =>
    h('div', { class: 'field' }, h('label', { for: id }, label), h('input', { id, name: id, ...props }))
  const form = h(
    'form',
    {
      id: 'explain-form',
      class: 'explain-form',
      onsubmit: (event: Event) => {
        event.preventDefault()
        const data = new FormData(event.target as HTMLFormElement)
        const value = (key: string) => String(data.get(key) ?? '').trim()
        let address = value('explain-client')
        let ecs = value('explain-ecs')
        // A subnet in the client field asks as a resolver sending that subnet (ECS) would.
        if (address.includes('/') && !ecs) {
          ecs = address
          address = address.split('/')[0] ?? address
        }
        patch(result, h('p', null, 'Asking the engine…'))
        client
          .explain({
            name: value('explain-name'),
            client: address,
            type: value('explain-type') || 'A',
            ...(ecs ? { ecs } : {}),
          })
          .then((explanation) => patch(result, renderExplanation(explanation)))
          .catch((error: Error) =>
            patch(result, h('p', { class: 'error' }, `Explain failed: ${error.message}`)),
          )
      },
    },
    field('explain-name', 'Name', {
      required: true,
      list: 'explain-names',
      value: names[0] ?? '',
      autocomplete: 'off',
    }),
    h(
      'datalist',
      { id: 'explain-names' },
      names.map((n) => h('option', { value: n })),
    ),
    field('explain-client', 'Client address or subnet', {
      required: true,
      placeholder: '10.1.20.7 or 10.2.0.0/16',
    }),
    field('explain-ecs', 'ECS subnet (optional)', { placeholder: '10.2.3.0/24' }),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'explain-type' }, 'Type'),
      h(
        'select',
        { id: 'explain-type', name: 'explain-type' },
        ['A', 'AAAA'].map((t) => h('option', { value: t }, t)),
      ),
    ),
    h('button', { type: 'submit' }, 'Explain'),
  )
  patch(container, form, result)
}
