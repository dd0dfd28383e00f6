import { ConsoleErrorCode, SseParser } from '../src/index.js'

describe('SseParser', () => {
  test('reads event and data, across chunk boundaries and line-ending styles', () => {
    const parser = new SseParser(1024)
    const text =
      ': hello\r\n\r\nevent: timeline\r\ndata: {"a":1}\r\n\r\nevent: association\ndata: x\ndata: y\n\ndata: plain\r\r\n'
    const messages = []
    // One character at a time: every split point, including between '\r' and '\n', must give the same result.
    for (const char of text) messages.push(...parser.push(char))
    expect(messages).toEqual([
      { event: 'timeline', data: '{"a":1}' },
      { event: 'association', data: 'x\ny' },
      { event: 'message', data: 'plain' },
    ])
  })

  test('a field without a space after the colon, and id/retry fields, are read as the spec says', () => {
    const parser = new SseParser(1024)
    expect(parser.push('id: 7\nretry: 100\nevent:timeline\ndata:{}\n\n')).toEqual([
      { event: 'timeline', data: '{}' },
    ])
  })

  test('an event growing past the bound throws GSLB_CONSOLE_BAD_RESPONSE instead of filling memory', () => {
    const parser = new SseParser(100)
    parser.push('event: timeline\n')
    expect(() => {
      for (let i = 0; i < 20; i++) parser.push(`data: ${'x'.repeat(10)}\n`)
    }).toThrow(expect.objectContaining({ code: ConsoleErrorCode.BAD_RESPONSE }))
  })

  test('a line that never ends is bounded too', () => {
    const parser = new SseParser(100)
    expect(() => parser.push(`data: ${'x'.repeat(200)}`)).toThrow(
      expect.objectContaining({ code: ConsoleErrorCode.BAD_RESPONSE }),
    )
  })
})
