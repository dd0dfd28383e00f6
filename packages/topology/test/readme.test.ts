import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { inspect } from 'node:util'
import * as topology from '@gslb/topology'

// The README's example must run and print what its comments say.
describe('README example', () => {
  it('runs and prints what its comments promise', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8')
    const block = /```js\n([\s\S]*?)```/.exec(readme)?.[1]
    expect(block).toBeDefined()
    const lines = block!.split('\n')
    const expected = lines
      .filter((line) => line.includes('console.log('))
      .map((line) => line.slice(line.indexOf(' // ') + 4).trim())
    const body = lines.filter((line) => !line.startsWith('import ')).join('\n')
    const printed: string[] = []
    const fakeConsole = {
      log: (...values: unknown[]) =>
        printed.push(values.map((v) => (typeof v === 'string' ? v : inspect(v))).join(' ')),
    }
    new Function('console', ...Object.keys(topology), body)(fakeConsole, ...Object.values(topology))
    expect(printed).toEqual(expected)
    expect(printed.length).toBeGreaterThan(8)
  })
})
