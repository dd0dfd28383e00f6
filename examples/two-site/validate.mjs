// Checks both site configs with the built gslb-lb CLI, as an operator would before deploying them:
//   1. `gslb-lb validate <file>` accepts the file (schema, cross-references, the libraries' rules);
//   2. `gslb-lb explain --offline` shows that the node's own resolver — which asks the engine on 127.0.0.1,
//      counted as the node's site — gets its own site's cluster VIP first and the other site second.
// Prints `ok  <file>: ...` per file, or `FAIL <file>: ...` and exits 1.
import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
const bin = join(dirname(require.resolve('@gslb/cli/package.json')), 'dist', 'bin.cjs')

const SITES = [
  { file: 'site-a.json', resolverSource: '127.0.0.1', expect: ['10.1.0.100', '10.2.0.100'] },
  { file: 'site-b.json', resolverSource: '127.0.0.1', expect: ['10.2.0.100', '10.1.0.100'] },
]

function gslbLb(args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: here, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr })
    })
  })
}

async function check({ file, resolverSource, expect }) {
  const validated = await gslbLb(['validate', file])
  if (validated.code !== 0) return `validate exited ${validated.code}: ${validated.stderr.trim()}`
  const explained = await gslbLb([
    'explain',
    '-c',
    file,
    '--name',
    'dicom.mysite.com',
    '--client',
    resolverSource,
    '--offline',
    '--json',
  ])
  if (explained.code !== 0) return `explain exited ${explained.code}: ${explained.stderr.trim()}`
  const answers = JSON.parse(explained.stdout).answers.map((answer) => answer.data)
  if (answers.join(',') !== expect.join(',')) {
    return `the node's resolver (${resolverSource}) got ${answers.join(', ')}; expected ${expect.join(', ')}`
  }
  const verdict = validated.stdout.trim().replace(`${file}: `, '')
  return { summary: `${verdict}; its resolver gets ${answers.join(' then ')}` }
}

let failed = false
for (const site of SITES) {
  const result = await check(site)
  if (typeof result === 'string') {
    failed = true
    console.log(`FAIL ${site.file}: ${result}`)
  } else {
    console.log(`ok  ${site.file}: ${result.summary}`)
  }
}
process.exitCode = failed ? 1 : 0
