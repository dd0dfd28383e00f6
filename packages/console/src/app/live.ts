import type { AssociationView, FinishedAssociationView, TimelineEntry, TimelineKind } from '../api.js'
import { TIMELINE_KINDS } from '../api.js'
import { type Child, h } from './dom.js'
import { bytes, clock, duration, endpoint, isoTime } from './format.js'

/** How many finished associations and timeline entries the page keeps (the node keeps its own bounded ring). */
export const MAX_FINISHED = 100
export const MAX_TIMELINE = 1000

function aes(a: AssociationView): string {
  return a.callingAE !== null ? `${a.callingAE} → ${a.calledAE ?? '?'}` : '(not DICOM / not sniffed)'
}

function siteCell(a: AssociationView): Child {
  return a.site ? h('span', { class: 'site-name', 'data-site': a.site }, `site ${a.site}`) : '—'
}

export function renderAssociations(
  active: readonly AssociationView[],
  finished: readonly FinishedAssociationView[],
  stream: string,
): Child {
  const now = Date.now()
  const head = ['Calling → called AE', 'Modality', 'Service', 'Sent to', 'Site', 'Bytes in / out']
  return [
    h('p', { class: 'muted', id: 'stream-state' }, stream),
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { id: 'active-associations' },
        h('caption', null, `Open now (${active.length})`),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            [...head, 'Age'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          null,
          active.length > 0
            ? active.map((a) =>
                h(
                  'tr',
                  { 'data-association': String(a.id) },
                  h('th', { scope: 'row' }, aes(a)),
                  h('td', null, endpoint(a.client.address, a.client.port)),
                  h('td', null, a.service),
                  h('td', null, a.server ?? 'connecting…'),
                  h('td', null, siteCell(a)),
                  h('td', null, `${bytes(a.bytesFromClient)} / ${bytes(a.bytesFromServer)}`),
                  h('td', null, duration(now - a.startedAt)),
                ),
              )
            : h('tr', null, h('td', { colspan: head.length + 1 }, 'none right now')),
        ),
      ),
    ),
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { id: 'finished-associations' },
        h('caption', null, `Just finished (newest first, last ${MAX_FINISHED})`),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ['At', ...head, 'Took', 'End'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          null,
          finished.length > 0
            ? finished.map((a) =>
                h(
                  'tr',
                  { 'data-association': String(a.id), 'data-site': a.site ?? '' },
                  h('td', null, h('time', { datetime: isoTime(a.startedAt) }, clock(a.startedAt))),
                  h('th', { scope: 'row' }, aes(a)),
                  h('td', null, endpoint(a.client.address, a.client.port)),
                  h('td', null, a.service),
                  h('td', null, a.server ?? 'none'),
                  h('td', null, siteCell(a)),
                  h('td', null, `${bytes(a.bytesFromClient)} / ${bytes(a.bytesFromServer)}`),
                  h('td', null, duration(a.durationMs)),
                  h('td', { class: a.end === 'closed' ? null : 'warn' }, a.end),
                ),
              )
            : h('tr', null, h('td', { colspan: head.length + 3 }, 'none since the page opened')),
        ),
      ),
    ),
  ]
}

export interface TimelineFilter {
  kind: TimelineKind | ''
  text: string
}

export function filterTimeline(entries: readonly TimelineEntry[], filter: TimelineFilter): TimelineEntry[] {
  const text = filter.text.trim().toLowerCase()
  return entries.filter(
    (e) =>
      (filter.kind === '' || e.kind === filter.kind) &&
      (text === '' || `${e.subject} ${e.message}`.toLowerCase().includes(text)),
  )
}

function csvCell(value: string | number): string {
  const text = String(value)
  // A leading = + - @ would be read as a formula by a spreadsheet: quote it as text.
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text
  return /[",\n\r]/.test(safe) || safe !== text ? `"${safe.replace(/"/g, '""')}"` : safe
}

export function timelineCsv(entries: readonly TimelineEntry[]): string {
  const lines = ['seq,at,kind,subject,message']
  for (const e of entries)
    lines.push([e.seq, isoTime(e.at), e.kind, e.subject, e.message].map(csvCell).join(','))
  return `${lines.join('\r\n')}\r\n`
}

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const link = h('a', { href: url, download: name })
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export function renderTimeline(
  entries: readonly TimelineEntry[],
  filter: TimelineFilter,
  nodeName: string,
  onFilter: (filter: TimelineFilter) => void,
  note: string | undefined,
): Child {
  const shown = filterTimeline(entries, filter).reverse()
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const kind = h(
    'select',
    {
      id: 'timeline-kind',
      'data-key': 'timeline-kind',
      onchange: (event: Event) =>
        onFilter({ ...filter, kind: (event.target as HTMLSelectElement).value as TimelineKind | '' }),
    },
    h('option', { value: '', selected: filter.kind === '' }, 'every kind'),
    TIMELINE_KINDS.map((k) => h('option', { value: k, selected: filter.kind === k }, k)),
  )
  const text = h('input', {
    id: 'timeline-text',
    'data-key': 'timeline-text',
    type: 'search',
    value: filter.text,
    placeholder: 'subject or words',
    onchange: (event: Event) => onFilter({ ...filter, text: (event.target as HTMLInputElement).value }),
  })
  return [
    h(
      'div',
      { class: 'toolbar' },
      h('label', { for: 'timeline-kind' }, 'Kind'),
      kind,
      h('label', { for: 'timeline-text' }, 'Filter'),
      text,
      h(
        'button',
        {
          type: 'button',
          'data-key': 'timeline-json',
          onclick: () =>
            download(
              `gslb-timeline-${nodeName}-${stamp}.json`,
              'application/json',
              `${JSON.stringify(shown.slice().reverse(), null, 2)}\n`,
            ),
        },
        'Export JSON',
      ),
      h(
        'button',
        {
          type: 'button',
          'data-key': 'timeline-csv',
          onclick: () =>
            download(
              `gslb-timeline-${nodeName}-${stamp}.csv`,
              'text/csv',
              timelineCsv(shown.slice().reverse()),
            ),
        },
        'Export CSV',
      ),
    ),
    note ? h('p', { class: 'muted' }, note) : null,
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { id: 'timeline-table' },
        h('caption', null, `${shown.length} of ${entries.length} changes, newest first`),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ['At', 'Kind', 'Subject', 'What happened'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          null,
          shown.length > 0
            ? shown.map((e) =>
                h(
                  'tr',
                  { 'data-kind': e.kind },
                  h('td', null, h('time', { datetime: isoTime(e.at), title: isoTime(e.at) }, clock(e.at))),
                  h('td', null, e.kind),
                  h('th', { scope: 'row' }, e.subject),
                  h('td', null, e.message),
                ),
              )
            : h('tr', null, h('td', { colspan: 4 }, 'nothing yet')),
        ),
      ),
    ),
  ]
}
