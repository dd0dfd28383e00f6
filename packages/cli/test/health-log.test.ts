import { Writable } from 'node:stream'
import { createHealthChecker } from '@gslb/health'
import { createLogger } from '../src/log.js'
import { createMetrics } from '../src/metrics.js'
import { observeHealth } from '../src/node/telemetry.js'
import type { Json } from './helpers.js'

// #14: @gslb/health re-emits a throwing handler as 'handler:error' (before: 'listener:error', which the CLI did not
// listen to, so the error only reached process warnings). The node logs it once, at error, with the event's name.
test("a health event handler that throws is logged once at error, from 'handler:error'", async () => {
  const lines: Json[] = []
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line))
      done()
    },
  })
  const warnings = jest.spyOn(process, 'emitWarning').mockImplementation(() => {})
  const health = createHealthChecker({ initialSpreadMs: 0 })
  try {
    observeHealth(health, createMetrics(), createLogger({ level: 'debug', format: 'json' }, sink))
    health.on('check:result', () => {
      throw new Error('a buggy handler')
    })
    health.add({
      id: 'p/a',
      address: '127.0.0.1',
      port: 9,
      monitor: { type: 'custom', check: async () => true },
    })
    await health.checkNow('p/a')
    const threw = lines.filter((line) => line.msg === 'health event handler threw')
    expect(threw).toHaveLength(1)
    expect(threw[0]).toMatchObject({ level: 50, event: 'check:result' }) // pino's error level
    expect(JSON.stringify(threw[0])).toContain('a buggy handler')
    expect(warnings).not.toHaveBeenCalled() // someone handled it: no process warning
  } finally {
    await health.close()
    warnings.mockRestore()
  }
})
