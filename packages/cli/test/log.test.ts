import { Writable } from 'node:stream'
import { createLogger, formatLogLine } from '../src/log.js'

function sink(isTTY: boolean) {
  const lines: string[] = []
  const stream = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk))
        done()
      },
    }),
    { isTTY },
  )
  return { stream, lines }
}

test('JSON lines when the output is not a terminal', () => {
  const { stream, lines } = sink(false)
  createLogger({ level: 'info' }, stream).warn(
    { service: 'PROXY', server: '10.1.0.100:104' },
    'connect failed',
  )
  expect(JSON.parse(lines.join(''))).toMatchObject({
    level: 40,
    service: 'PROXY',
    server: '10.1.0.100:104',
    msg: 'connect failed',
  })
})

test('readable lines on a terminal (format auto), and with format pretty anywhere', () => {
  const tty = sink(true)
  createLogger({}, tty.stream).info(
    { target: 'dicom/siteA', current: 'down', reason: 'C-ECHO refused' },
    'health changed',
  )
  expect(tty.lines.join('')).toMatch(
    /^\d\d:\d\d:\d\d\.\d{3} INFO {2}health changed target=dicom\/siteA current=down reason="C-ECHO refused"\n$/,
  )
  const pipe = sink(false)
  createLogger({ format: 'pretty' }, pipe.stream).error({ n: 1 }, 'boom')
  expect(pipe.lines.join('')).toContain('ERROR boom n=1')
})

test('the level filters; json stays json on a terminal', () => {
  const { stream, lines } = sink(true)
  const logger = createLogger({ level: 'warn', format: 'json' }, stream)
  logger.info('hidden')
  logger.warn('shown')
  expect(lines).toHaveLength(1)
  expect(JSON.parse(lines[0]!).msg).toBe('shown')
})

test('a line that is not JSON passes through unchanged', () => {
  expect(formatLogLine('plain text')).toBe('plain text')
})
