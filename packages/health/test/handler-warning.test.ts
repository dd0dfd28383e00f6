import { createHealthChecker } from '../src/index.js'
import { ManualClock } from './support/manual-clock.js'
import { scripted } from './support/scripted.js'

// Jest gives each test file its own `process` object without the real one's listeners, so process.once('warning')
// here never sees a warning: these tests watch the call to process.emitWarning instead.

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

  test("a 'handler:error' handler that throws too: its error becomes the warning", async () => {
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
    expect(emitWarning.mock.calls).toEqual([[second]])
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
