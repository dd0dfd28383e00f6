import { ConsoleError, ConsoleErrorCode } from './errors.js'

export interface SseMessage {
  event: string
  data: string
}

/**
 * Incremental Server-Sent Events parser (the `event:` and `data:` fields; comments, `id:` and `retry:` are
 * ignored). Feed it decoded text as it arrives; it returns the messages completed by that text. A message
 * growing past `maxBytes` without ending throws `GSLB_CONSOLE_BAD_RESPONSE`, so a hostile stream cannot fill memory.
 */
export class SseParser {
  #buffer = ''
  #event = ''
  #data: string[] = []
  #size = 0

  constructor(private readonly maxBytes: number) {}

  push(text: string): SseMessage[] {
    this.#buffer += text
    const messages: SseMessage[] = []
    let newline = this.#buffer.search(/\r\n|\r|\n/)
    while (newline !== -1) {
      const line = this.#buffer.slice(0, newline)
      const width = this.#buffer.startsWith('\r\n', newline) ? 2 : 1
      // A lone '\r' at the end of the text may be the first half of '\r\n': wait for the next chunk.
      if (width === 1 && this.#buffer[newline] === '\r' && newline === this.#buffer.length - 1) break
      this.#buffer = this.#buffer.slice(newline + width)
      const message = this.#line(line)
      if (message) messages.push(message)
      newline = this.#buffer.search(/\r\n|\r|\n/)
    }
    if (this.#size + this.#buffer.length > this.maxBytes) {
      throw new ConsoleError(
        ConsoleErrorCode.BAD_RESPONSE,
        `event stream: one event is larger than ${this.maxBytes} bytes`,
      )
    }
    return messages
  }

  #line(line: string): SseMessage | undefined {
    if (line === '') {
      const message =
        this.#data.length > 0 ? { event: this.#event || 'message', data: this.#data.join('\n') } : undefined
      this.#event = ''
      this.#data = []
      this.#size = 0
      return message
    }
    if (line.startsWith(':')) return undefined
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') this.#event = value
    else if (field === 'data') {
      this.#data.push(value)
      this.#size += value.length + 1
    }
    return undefined
  }
}
