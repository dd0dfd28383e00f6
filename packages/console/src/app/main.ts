import './console.css'
import type {
  AssociationView,
  ConsoleEvent,
  FinishedAssociationView,
  FleetReport,
  NodeStatus,
  TimelineEntry,
} from '../api.js'
import { createAdminClient } from '../client.js'
import { type ActionContext, Confirmer, runReload } from './actions.js'
import { type Child, h, patch } from './dom.js'
import { renderExplainForm } from './explain.js'
import { renderFleet } from './fleet-view.js'
import { clock } from './format.js'
import {
  MAX_FINISHED,
  MAX_TIMELINE,
  renderAssociations,
  renderTimeline,
  type TimelineFilter,
} from './live.js'
import { renderNames, renderPools, renderServices, renderSites, renderSummary } from './node-view.js'
import { renderTokenBox, TokenStore } from './token.js'

const STATUS_EVERY_MS = 2_000
const EVENTS_RETRY_MS = 3_000
const RENDER_EVERY_MS = 250
const FLEET_EVERY_MS = 5_000

function section(main: Element, id: string, title: string, ...extra: Child[]): HTMLElement {
  const body = h('div', { class: 'body' })
  main.appendChild(
    h(
      'section',
      { id, 'aria-labelledby': `${id}-title` },
      h('div', { class: 'section-head' }, h('h2', { id: `${id}-title` }, title), extra),
      body,
    ),
  )
  return body
}

function start(): void {
  const main = document.getElementById('main')!
  const notice = document.getElementById('notice')!
  const tokens = new TokenStore()
  const client = createAdminClient({ baseUrl: location.origin, token: () => tokens.get() })

  const notify = (text: string, tone: 'ok' | 'error' | 'info' = 'info') =>
    patch(notice, h('p', { class: `notice notice-${tone}` }, `${clock(Date.now())} ${text}`))
  renderTokenBox(document.getElementById('token')!, tokens, (text) => notify(text))

  let status: NodeStatus | undefined
  let statusAt = 0
  let statusError: string | undefined
  let active: AssociationView[] = []
  let finished: FinishedAssociationView[] = []
  let stream = 'Live associations: connecting…'
  let timeline: TimelineEntry[] = []
  let timelineNote: string | undefined
  let filter: TimelineFilter = { kind: '', text: '' }
  let explainDrawn = false

  const confirmer = new Confirmer()
  const context: ActionContext = { client, confirmer, notify, refresh: () => refresh() }

  main.replaceChildren()
  const health = h('p', { id: 'freshness', class: 'freshness' })
  const summary = section(
    main,
    'node',
    'This node',
    h(
      'button',
      { type: 'button', id: 'reload', 'data-key': 'reload', onclick: () => void runReload(context) },
      'Reload config',
    ),
  )
  summary.before(health)
  const sites = section(main, 'sites', 'Sites')
  const pools = section(main, 'pools', 'Pools')
  const services = section(main, 'services', 'Services')
  const names = section(main, 'names', 'Backend names')
  const associations = section(main, 'associations', 'Associations')
  const timelineBody = section(main, 'timeline', 'Timeline')
  const explain = section(main, 'explain', 'Explain an answer')
  const fleet = section(main, 'fleet', 'Fleet')
  fleet.parentElement!.hidden = true

  const drawFreshness = () => {
    if (statusError) {
      patch(
        health,
        h(
          'span',
          { class: 'state state-down' },
          h('span', { 'aria-hidden': 'true' }, '▼'),
          ` node not answering: ${statusError}${status ? ` — showing its state from ${clock(statusAt)}` : ''}`,
        ),
      )
    } else if (status) {
      patch(
        health,
        h(
          'span',
          { class: 'state state-up' },
          h('span', { 'aria-hidden': 'true' }, '▲'),
          ` live — updated ${clock(statusAt)}`,
        ),
      )
    }
  }

  const drawNode = () => {
    drawFreshness()
    if (!status) return
    document.title = `${status.node.name} — gslb-lb console`
    patch(
      document.getElementById('node-title')!,
      `${status.node.name}${status.node.site ? ` · site ${status.node.site}` : ''}`,
    )
    patch(summary, renderSummary(status))
    patch(sites, renderSites(status))
    patch(pools, renderPools(status, context))
    patch(services, renderServices(status, context))
    patch(names, renderNames(status))
    if (!explainDrawn) {
      renderExplainForm(explain, client, status)
      explainDrawn = true
    }
  }

  const drawLive = () => {
    patch(associations, renderAssociations(active, finished, stream))
    patch(
      timelineBody,
      renderTimeline(
        timeline,
        filter,
        status?.node.name ?? 'node',
        (next) => {
          filter = next
          drawLive()
        },
        timelineNote,
      ),
    )
  }
  let livePending = false
  const scheduleLive = () => {
    if (livePending) return
    livePending = true
    setTimeout(() => {
      livePending = false
      drawLive()
    }, RENDER_EVERY_MS)
  }

  // The fleet view: only for a node whose config names a fleet; the node asks its peers, the page asks the node.
  let fleetStarted = false
  const refreshFleet = async () => {
    fleet.parentElement!.hidden = false
    try {
      const report: FleetReport = await client.fleet()
      patch(fleet, renderFleet(report))
    } catch (error) {
      if ((error as { status?: number }).status === 404) {
        patch(fleet, h('p', { class: 'muted' }, 'This node’s admin API has no fleet view (GET /fleet).'))
        return
      }
      patch(fleet, h('p', { class: 'error' }, `Fleet: ${(error as Error).message}`))
    }
    setTimeout(() => void refreshFleet(), FLEET_EVERY_MS)
  }

  let pollTimer: ReturnType<typeof setTimeout> | undefined
  async function refresh(): Promise<void> {
    clearTimeout(pollTimer)
    try {
      status = await client.status()
      statusAt = Date.now()
      statusError = undefined
    } catch (error) {
      statusError = (error as Error).message
    }
    drawNode()
    if (!fleetStarted && status?.fleet) {
      fleetStarted = true
      void refreshFleet()
    }
    pollTimer = setTimeout(() => void refresh(), STATUS_EVERY_MS)
  }

  const addTimeline = (entries: readonly TimelineEntry[]) => {
    // The first GET and the stream may overlap or arrive in either order: merge by sequence number.
    const bySeq = new Map(timeline.map((e) => [e.seq, e]))
    for (const e of entries) bySeq.set(e.seq, e)
    timeline = [...bySeq.values()].sort((a, b) => a.seq - b.seq).slice(-MAX_TIMELINE)
    scheduleLive()
  }

  const onEvent = (event: ConsoleEvent) => {
    if (event.type === 'associations') active = event.data.active
    else if (event.type === 'association') {
      finished = [event.data, ...finished].slice(0, MAX_FINISHED)
      active = active.filter((a) => a.id !== event.data.id || a.service !== event.data.service)
    } else if (event.type === 'timeline') addTimeline([event.data])
    scheduleLive()
  }

  const follow = async () => {
    for (;;) {
      try {
        stream = 'Live associations: following the node.'
        scheduleLive()
        await client.events(onEvent)
        stream = `Live associations: the node ended the stream; reconnecting in ${EVENTS_RETRY_MS / 1000} s.`
      } catch (error) {
        if ((error as { status?: number }).status === 404) {
          stream = 'Live associations: this node’s admin API has no event stream (GET /events).'
          scheduleLive()
          return
        }
        stream = `Live associations: ${(error as Error).message}; reconnecting in ${EVENTS_RETRY_MS / 1000} s.`
      }
      scheduleLive()
      await new Promise((resolve) => setTimeout(resolve, EVENTS_RETRY_MS))
    }
  }

  client
    .timeline()
    .then((view) => {
      timelineNote = `The node keeps the last ${view.capacity} changes.`
      addTimeline(view.entries)
    })
    .catch((error: Error & { status?: number }) => {
      timelineNote =
        error.status === 404
          ? 'This node’s admin API keeps no timeline (GET /timeline).'
          : `Timeline: ${error.message}`
    })
    .finally(scheduleLive)
  drawLive()
  void refresh()
  void follow()
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
else start()
