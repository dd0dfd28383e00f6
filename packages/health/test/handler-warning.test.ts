import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { createHealthChecker } from '../src/index.js'
import { ManualClock } from './support/manual-clock.js'
import { scripted } from './support/scripted.js'

// Jest gives each test file its own `process` object without the real one's listeners, so process.once('warning')
// here never sees a warning: these tests watch the call to process.emitWarning, and the last one runs the built
// package in a plain Node process, where process.once('warning') does see it.

const base = { address: '127.0.0.1', port: 9 }

let emitWarning: jest.SpiedFunction<typeof process.emitWarning>
beforeEach(() => {
  emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => {})
})
afterEach(() => emitWarning.mockRestore())

async function checkerWhoseHandlerThrows(bug: Error) {
  const clock = new ManualClock()
  const health = createHealthChecker({ clock, random: () => 0 })
  health.on('target:change', () => {
    throw bug
  })
  health.add({ ...base, id: 'a', monitor: scripted(clock).monitor })
  health.start()
  return { clock, health }
}

describe("a throwing handler with nobody to take 'handler:error'", () => {
  test('becomes process.emitWarning(error), and the checker carries on', async () => {
    const bug = new Error('handler bug')
    const { clock, health } = await checkerWhoseHandlerThrows(bug)
    await clock.advance(0)
    expect(emitWarning.mock.calls).toEqual([[bug]])
    expect(health.get('a')?.observed).toBe('up')
    await health.close()
  })

  test("a 'handler:error' handler that throws too: its error becomes a warning, and so does the one it was told of", async () => {
    const bug = new Error('handler bug')
    const second = new Error('handler:error handler bug')
    const { clock, health } = await checkerWhoseHandlerThrows(bug)
    const seen: Error[] = []
    health.on('handler:error', (event) => {
      seen.push(event.error)
      throw second
    })
    await clock.advance(0)
    expect(seen).toEqual([bug])
    expect(emitWarning.mock.calls).toEqual([[bug], [second]])
    await health.close()
  })

  test('an error process.emitWarning refuses (from another realm) is warned as its name, message and stack', async () => {
    emitWarning.mockImplementationOnce(() => {
      throw new TypeError('The "warning" argument must be of type string or an instance of Error')
    })
    const bug = Object.assign(new RangeError('handler bug'), { code: 'E_BUG' })
    const { clock, health } = await checkerWhoseHandlerThrows(bug)
    await clock.advance(0)
    expect(emitWarning.mock.calls[1]).toEqual([
      'handler bug',
      { type: 'RangeError', code: 'E_BUG', detail: bug.stack },
    ])
    expect(health.get('a')?.observed).toBe('up')
    await health.close()
  })
})

const PLAIN_NODE_SCRIPT = `
import { createHealthChecker } from '@gslb/health'
const bug = new Error('handler bug')
const warned = new Promise((resolve) => process.once('warning', resolve))
const health = createHealthChecker({ initialSpreadMs: 0 })
health.on('check:result', () => { throw bug })
health.add({ id: 'a', address: '127.0.0.1', port: 9, monitor: { type: 'custom', check: async () => true } })
await health.start()
const warning = await warned
await health.close()
console.log(JSON.stringify({ same: warning === bug, message: warning.message }))
`

test("in a plain Node process (the built package, after `pnpm build`), process.once('warning') gets the very error", async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--no-warnings', '--input-type=module', '-e', PLAIN_NODE_SCRIPT],
    { cwd: resolve(__dirname, '..'), timeout: 15_000 },
  )
  expect(JSON.parse(stdout)).toEqual({ same: true, message: 'handler bug' })
})
