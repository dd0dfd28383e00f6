import { h, patch } from './dom.js'

const KEY = 'gslb-console-token'

/** The admin token, kept in this tab's sessionStorage only (gone when the tab closes; never in localStorage). */
export class TokenStore {
  get(): string | undefined {
    try {
      return sessionStorage.getItem(KEY) || undefined
    } catch {
      return undefined
    }
  }

  set(token: string | undefined): void {
    try {
      if (token) sessionStorage.setItem(KEY, token)
      else sessionStorage.removeItem(KEY)
    } catch {
      // Storage refused (private mode, policy): the token then lives for this page only.
    }
  }
}

export function renderTokenBox(container: Element, store: TokenStore, notify: (text: string) => void): void {
  const draw = () => {
    const has = store.get() !== undefined
    const input = h('input', {
      id: 'token-input',
      'data-key': 'token-input',
      type: 'password',
      autocomplete: 'off',
      spellcheck: 'false',
      placeholder: has ? 'token set for this tab' : 'admin token',
      'aria-describedby': 'token-state',
    })
    const form = h(
      'form',
      {
        class: 'token-form',
        onsubmit: (event: Event) => {
          event.preventDefault()
          const value = input.value.trim()
          if (!value) return
          store.set(value)
          notify('Token kept for this tab: writes will send it.')
          draw()
        },
      },
      h('label', { for: 'token-input' }, 'Token'),
      input,
      h('button', { type: 'submit', 'data-key': 'token-use' }, 'Use'),
      has
        ? h(
            'button',
            {
              type: 'button',
              'data-key': 'token-forget',
              onclick: () => {
                store.set(undefined)
                notify('Token forgotten: the page is read-only.')
                draw()
              },
            },
            'Forget',
          )
        : null,
      h(
        'span',
        { id: 'token-state', class: has ? 'token-state token-set' : 'token-state' },
        has ? 'writes: token set' : 'writes: no token (read-only)',
      ),
    )
    patch(container, form)
  }
  draw()
}
