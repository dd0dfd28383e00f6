#!/usr/bin/env node
// Prints one closing line per jest JSON report and a total: "<tier>: N passed, N failed", then every failed test
// with the head of its failure message, so the end of a CI log says what failed without scrolling back.
// Exits non-zero when any report is missing, has failures, or ran no test.
// --if-present: a missing report is not a problem (used when CI stops early and reports what ran).
import { existsSync, readFileSync } from 'node:fs'

const FAILURE_LINES = 60
const args = process.argv.slice(2)
const ifPresent = args.includes('--if-present')
let passed = 0
let failed = 0
let problems = 0
const failures = []
for (const arg of args.filter((a) => !a.startsWith('--'))) {
  const [tier, file] = arg.split('=')
  if (!file || !existsSync(file)) {
    if (ifPresent) continue
    console.log(`${tier}: report ${file} is missing`)
    problems++
    continue
  }
  const report = JSON.parse(readFileSync(file, 'utf8'))
  const p = report.numPassedTests
  const f = report.numFailedTests + (report.numRuntimeErrorTestSuites ?? 0)
  console.log(`${tier}: ${p} passed, ${f} failed`)
  passed += p
  failed += f
  if (p === 0) problems++
  for (const suite of report.testResults ?? []) {
    if (suite.status === 'failed' && !suite.assertionResults?.some((t) => t.status === 'failed')) {
      failures.push({ tier, name: suite.name, message: suite.message ?? '' })
    }
    for (const test of suite.assertionResults ?? []) {
      if (test.status !== 'failed') continue
      failures.push({
        tier,
        name: `${suite.name} › ${test.fullName}`,
        message: test.failureMessages.join('\n'),
      })
    }
  }
}
console.log(`${passed} passed, ${failed} failed`)
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes in jest's messages
const plain = (text) => text.replace(/\u001b\[[0-9;]*m/g, '')
for (const { tier, name, message } of failures) {
  const lines = plain(message).split('\n')
  console.log(`\n✕ ${tier}: ${name}`)
  console.log(lines.slice(0, FAILURE_LINES).join('\n'))
  if (lines.length > FAILURE_LINES) console.log(`… ${lines.length - FAILURE_LINES} more lines in the report`)
}
process.exit(failed > 0 || problems > 0 ? 1 : 0)
