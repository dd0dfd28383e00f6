import { formatDuration, parseDuration } from '../src/duration.js'

describe('parseDuration', () => {
  test.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1.5s', 1_500],
    ['250', 250],
    [750, 750],
    [0, 0],
  ])('%p is %p ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms)
  })

  test.each(['', '5 s', 's', '10x', '-1s', '1s2', 'ms'])('%p is refused with GSLB_CLI_USAGE', (input) => {
    expect(() => parseDuration(input, 'timeout')).toThrow(expect.objectContaining({ code: 'GSLB_CLI_USAGE' }))
  })

  test('negative and non-finite numbers are refused, naming the option', () => {
    expect(() => parseDuration(-1, 'interval')).toThrow(/interval/)
    expect(() => parseDuration(Number.NaN, 'interval')).toThrow(/interval/)
  })
})

test('formatDuration picks a readable unit', () => {
  expect(formatDuration(250)).toBe('250ms')
  expect(formatDuration(1_500)).toBe('1.5s')
  expect(formatDuration(120_000)).toBe('2m')
  expect(formatDuration(5_400_000)).toBe('1.5h')
})
