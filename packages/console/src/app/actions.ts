import type { AdminAction } from '../api.js'
import type { AdminClient } from '../client.js'
import { ConsoleErrorCode } from '../errors.js'
import { h } from './dom.js'

export interface ActionTarget {
  kind: 'members' | 'servers'
  group: string
  id: string
  address: string
}

const LABELS: Record<AdminAction, string> = {
  drain: 'Drain',
  'force-up': 'Force up',
  'force-down': 'Force down',
  clear: 'Clear',
}

function consequence(target: ActionTarget, action: AdminAction): string {
  const member = target.kind === 'members'
  const what = member
    ? `member ${target.id} (${target.address}) of pool ${target.group}`
    : `server ${target.id} of service ${target.group}`
  switch (action) {
    case 'drain':
      return member
        ? `Drain ${what}: the engine stops giving its address in new answers; associations already there finish.`
        : `Drain ${what}: no new associations go to it; the ones on it now finish.`
    case 'force-down':
      return member
        ? `Force ${what} down: answers skip it as if its checks failed, whatever they say. Modalities move to the next site.`
        : `Force ${what} down: no new associations go to it, and the ones on it now are closed.`
    case 'force-up':
      return `Force ${what} up: traffic goes to it even when its checks fail.`
    case 'clear':
      return `Clear the override on ${what}: its health checks decide again.`
  }
}

/** The confirmation dialog: one `<dialog>` reused for every action; Escape or Cancel changes nothing. */
export class Confirmer {
  readonly #dialog: HTMLDialogElement
  readonly #text: HTMLParagraphElement
  readonly #title: HTMLHeadingElement
  readonly #confirm: HTMLButtonElement
  #resolve: ((ok: boolean) => void) | undefined

  constructor() {
    this.#title = h('h2', { id: 'confirm-title' })
    this.#text = h('p', { id: 'confirm-text' })
    this.#confirm = h('button', { type: 'button', class: 'danger', id: 'confirm-ok' }, 'Confirm')
    const cancel = h('button', { type: 'button', id: 'confirm-cancel', autofocus: true }, 'Cancel')
    this.#dialog = h(
      'dialog',
      { 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-text', class: 'confirm' },
      this.#title,
      this.#text,
      h('div', { class: 'buttons' }, cancel, this.#confirm),
    )
    this.#confirm.addEventListener('click', () => this.#close(true))
    cancel.addEventListener('click', () => this.#close(false))
    this.#dialog.addEventListener('close', () => this.#close(false))
    document.body.appendChild(this.#dialog)
  }

  ask(title: string, text: string, confirmLabel: string): Promise<boolean> {
    this.#close(false)
    this.#title.textContent = title
    this.#text.textContent = text
    this.#confirm.textContent = confirmLabel
    this.#dialog.showModal()
    return new Promise((resolve) => {
      this.#resolve = resolve
    })
  }

  #close(ok: boolean): void {
    const resolve = this.#resolve
    this.#resolve = undefined
    if (this.#dialog.open) this.#dialog.close()
    resolve?.(ok)
  }
}

export interface ActionContext {
  client: AdminClient
  confirmer: Confirmer
  /** Shows the outcome in words (a live region). */
  notify(text: string, tone?: 'ok' | 'error'): void
  /** Reloads the status right away, so the effect shows. */
  refresh(): Promise<void>
}

function errorText(error: unknown): string {
  const e = error as { code?: string; message?: string }
  if (e.code === ConsoleErrorCode.UNAUTHORIZED)
    return `Refused: ${e.message}. Enter the node's admin token at the top of the page.`
  return `Failed: ${e.message ?? String(error)}`
}

export async function runAction(
  context: ActionContext,
  target: ActionTarget,
  action: AdminAction,
): Promise<void> {
  const ok = await context.confirmer.ask(
    `${LABELS[action]} ${target.group}/${target.id}?`,
    consequence(target, action),
    LABELS[action],
  )
  if (!ok) {
    context.notify(`${LABELS[action]} ${target.group}/${target.id}: cancelled, nothing changed.`)
    return
  }
  try {
    const result =
      target.kind === 'members'
        ? await context.client.member(target.group, target.id, action)
        : await context.client.server(target.group, target.id, action)
    context.notify(
      `${LABELS[action]} ${target.group}/${target.id}: done — override ${result.admin ?? 'none'}, state now ${result.state ?? 'unknown'}.`,
      'ok',
    )
  } catch (error) {
    context.notify(`${LABELS[action]} ${target.group}/${target.id}: ${errorText(error)}`, 'error')
  }
  await context.refresh()
}

export async function runReload(context: ActionContext): Promise<void> {
  const ok = await context.confirmer.ask(
    'Reload the configuration?',
    'The node re-reads its config file and applies the difference; established associations are untouched. ' +
      'A file with errors changes nothing and the reasons are shown.',
    'Reload',
  )
  if (!ok) {
    context.notify('Reload: cancelled, nothing changed.')
    return
  }
  try {
    const result = await context.client.reload()
    if (result.applied) {
      const changes = result.changes?.length ? result.changes.join('; ') : 'no changes'
      context.notify(`Reload applied: ${changes}.`, 'ok')
    } else {
      const issues = result.issues?.map((i) => `${i.path}: ${i.message}`).join('; ')
      context.notify(
        `Reload refused, the running config stays: ${result.error ?? ''}${issues ? ` — ${issues}` : ''}`,
        'error',
      )
    }
  } catch (error) {
    context.notify(`Reload: ${errorText(error)}`, 'error')
  }
  await context.refresh()
}

export function actionButtons(context: ActionContext, target: ActionTarget): HTMLElement {
  const actions: AdminAction[] = ['drain', 'force-up', 'force-down', 'clear']
  return h(
    'div',
    { class: 'actions', role: 'group', 'aria-label': `Actions for ${target.group}/${target.id}` },
    actions.map((action) =>
      h(
        'button',
        {
          type: 'button',
          class: action === 'force-down' ? 'danger' : action === 'clear' ? 'quiet' : null,
          'data-key': `${target.kind}/${target.group}/${target.id}/${action}`,
          'data-action': action,
          'aria-label': `${LABELS[action]} ${target.group}/${target.id}`,
          onclick: () => void runAction(context, target, action),
        },
        LABELS[action],
      ),
    ),
  )
}
