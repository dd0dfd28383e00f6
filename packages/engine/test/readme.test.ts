import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createEngine, type EngineConfig } from '../src/index.js'

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8')

/** The README's config reference (a jsonc block): comments removed, it must be a config the engine accepts. */
function configReference(): EngineConfig {
  const block = /```jsonc\n([\s\S]*?)```/.exec(readme)?.[1]
  if (block === undefined) throw new Error('README has no jsonc config reference')
  const json = block
    .split('\n')
    .map((line) => line.replace(/\s+\/\/.*$/, ''))
    .join('\n')
  return JSON.parse(json) as EngineConfig
}

test('the README config reference is a valid config', async () => {
  const engine = createEngine({ config: configReference() })
  try {
    expect(engine.members().map((m) => `${m.pool}/${m.member}`)).toEqual(['pacs/site-a'])
  } finally {
    await engine.close()
  }
})
