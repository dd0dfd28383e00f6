/** The console's whole rendering layer: build DOM nodes (text is always a text node, never parsed as HTML). */
export type Child = Node | string | number | null | undefined | false | readonly Child[]
export type Props = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return
  if (Array.isArray(child)) for (const c of child) append(parent, c)
  else if (child instanceof Node) parent.appendChild(child)
  else parent.appendChild(document.createTextNode(String(child)))
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue
    if (typeof value === 'function') element.addEventListener(key.replace(/^on/, ''), value)
    else element.setAttribute(key, value === true ? '' : String(value))
  }
  append(element, children)
  return element
}

/**
 * Replaces a section's content, keeping keyboard focus on the element with the same `data-key` (a periodic
 * refresh must not throw the operator's focus back to the top of the page).
 */
export function patch(container: Element, ...children: Child[]): void {
  const active = document.activeElement
  const key = active instanceof HTMLElement && container.contains(active) ? active.dataset.key : undefined
  const fragment = document.createDocumentFragment()
  append(fragment, children)
  container.replaceChildren(fragment)
  if (key) {
    const again = container.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`)
    again?.focus()
  }
}
