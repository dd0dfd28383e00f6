#!/usr/bin/env node
// Prints one closing line per jest JSON report and a total: "<tier>: N passed, N failed".
// Exits non-zero when any report is missing, has failures, or ran no test.
import { existsSync, readFileSync } from 'node:fs'

let passed = 0
let failed = 0
let problems = 0
for (const arg of process.argv.slice(2)) {
  const [tier, file] = arg.split('=')
  if (!file || !existsSync(file)) {
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
}
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed > 0 || problems > 0 ? 1 : 0)
