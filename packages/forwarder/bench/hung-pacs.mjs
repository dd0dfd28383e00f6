// A hung PACS behind the BUILT forwarder: dcmtk storescp A is SIGSTOPped (accepts, never answers), storescp B is
// fine; dcmtk storescu stores N files through the forwarder with and without firstResponseTimeoutMs.
// Run after `pnpm --filter @gslb/forwarder build`: node packages/forwarder/bench/hung-pacs.mjs [count=5] [deadlineMs=3000]
// Needs dcmtk (storescp, storescu, dump2dcm). Prints per association: time and storescu's exit code.
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createForwarder } from '../dist/index.js'

const require = createRequire(import.meta.url)
const { makeDicomFiles } = require('../../../test/support/dicom-files.cjs')

const COUNT = Math.min(20, Number(process.argv[2] ?? 5))
const DEADLINE_MS = Number(process.argv[3] ?? 3_000)
const ACSE_TIMEOUT_S = 30
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore' })
    child.on('error', () => resolve(127))
    child.on('exit', (code) => resolve(code))
  })
}

async function once(firstResponseTimeoutMs, files, dirs) {
  const [portA, portB] = [41_104, 41_105]
  const pacs = [
    spawn('storescp', ['-od', dirs.a, '-aet', 'PACS', String(portA)], { stdio: 'ignore' }),
    spawn('storescp', ['-od', dirs.b, '-aet', 'PACS', String(portB)], { stdio: 'ignore' }),
  ]
  await sleep(500)
  const forwarder = createForwarder({
    services: [
      {
        name: 'DICOM_DNS_PROXY',
        listen: ['127.0.0.1:0'],
        retryOnEmpty: true,
        firstResponseTimeoutMs,
        backends: [
          { address: '127.0.0.1', port: portA },
          { address: '127.0.0.1', port: portB },
        ],
      },
    ],
  })
  await forwarder.start()
  const vip = forwarder.addresses('DICOM_DNS_PROXY')[0].port
  process.kill(pacs[0].pid, 'SIGSTOP')
  const rows = []
  try {
    for (const file of files) {
      const started = Date.now()
      const args = ['-aec', 'PACS', '-ta', String(ACSE_TIMEOUT_S), '127.0.0.1', String(vip), file.path]
      const code = await run('storescu', args)
      rows.push(`${Date.now() - started} ms (exit ${code})`)
    }
  } finally {
    await forwarder.close({ deadlineMs: 0 })
    process.kill(pacs[0].pid, 'SIGCONT')
    for (const child of pacs) child.kill()
  }
  console.log(`firstResponseTimeoutMs ${firstResponseTimeoutMs}: ${rows.join(', ')}`)
  console.log(`  stored at B: ${readdirSync(dirs.b).length} of ${files.length}`)
}

const root = mkdtempSync(join(tmpdir(), 'gslb-hung-'))
try {
  const files = await makeDicomFiles({ dir: root, count: COUNT, dump2dcm: 'dump2dcm' })
  for (const deadline of [0, DEADLINE_MS]) {
    const dirs = { a: mkdtempSync(join(root, 'a-')), b: mkdtempSync(join(root, 'b-')) }
    await once(deadline, files, dirs)
  }
} finally {
  rmSync(root, { recursive: true, force: true })
}
