import { compileModel, topologyFromConfig } from './build.js'
import type { MemberHealth } from './model.js'
import { type EngineConfigIssue, Problems } from './validate.js'

export type { EngineConfigIssue } from './validate.js'

const freshHealth = (): MemberHealth => ({
  observed: 'unknown',
  effective: 'unknown',
  drained: false,
  source: 'none',
})

/**
 * Every problem with an engine config at once, each with the path of the value at fault, without building an
 * engine: it runs the very compilation `createEngine` and `update` run (which throw the first of these problems),
 * so an empty list means they accept the config. Each zone, record, name, pool and member is checked on its own;
 * what refers to a part at fault (a name on a broken pool) is not reported again.
 */
export function validateEngineConfig(config: unknown): EngineConfigIssue[] {
  const problems = new Problems()
  compileModel(
    config,
    {
      previous: undefined,
      healthFor: freshHealth,
      sitesFor: topologyFromConfig,
      soaState: undefined,
      random: Math.random,
    },
    problems,
  )
  return problems.issues()
}
