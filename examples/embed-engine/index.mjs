// Embedding @gslb/engine in your own Node service.
//
// The service owns its idea of health (here: an HTTP endpoint an orchestrator can call) and pushes it into the
// engine with setHealth(); the engine answers DNS for the delegated name with the best healthy site.
//
//   node index.mjs                 serve DNS on 127.0.0.1:5300 and a control API on 127.0.0.1:8300
//   node index.mjs --self-test     start on free ports, check that the answer follows pushed health, exit 0/1
//
//   dig @127.0.0.1 -p 5300 pacs.dicom.example.org
//   curl -X POST 127.0.0.1:8300/health/site-a/down
import { Resolver } from 'node:dns/promises'
import { createServer } from 'node:http'
import { createEngine } from '@gslb/engine'

const selfTest = process.argv.includes('--self-test')

const engine = createEngine({
  config: {
    zones: {
      'dicom.example.org': { ns: [{ name: 'ns1.dicom.example.org', addresses: ['127.0.0.1'] }] },
    },
    pools: {
      pacs: {
        method: 'failover',
        maxAnswers: 2,
        allDown: 'refuse',
        members: [
          { name: 'site-a', address: '10.1.0.50' },
          { name: 'site-b', address: '10.2.0.50' },
        ],
      },
    },
    names: { 'pacs.dicom.example.org': { pool: 'pacs', ttl: 5 } },
  },
  listen: [{ address: '127.0.0.1', port: selfTest ? 0 : 5300 }],
})
engine.on('member:change', (event) =>
  console.log(`member ${event.pool}/${event.member} is now ${event.state}`),
)

await engine.start()
const [dns] = engine.addresses()
console.log(`DNS on ${dns.address}:${dns.port}`)

const control = createServer((req, res) => {
  const match = /^\/health\/([\w-]+)\/(up|down|unknown)$/.exec(req.url ?? '')
  if (req.method !== 'POST' || !match) {
    res.writeHead(404).end()
    return
  }
  engine.setHealth('pacs', match[1], match[2])
  res.writeHead(204).end()
})
await new Promise((resolve) => control.listen(selfTest ? 0 : 8300, '127.0.0.1', resolve))
console.log(`control API on 127.0.0.1:${control.address().port}`)

async function lookup() {
  const resolver = new Resolver({ timeout: 1000, tries: 1 })
  resolver.setServers([`127.0.0.1:${dns.port}`])
  return resolver.resolve4('pacs.dicom.example.org')
}

async function shutdown() {
  await new Promise((resolve) => control.close(resolve))
  await engine.close()
}

if (selfTest) {
  const expect = (label, actual, wanted) => {
    const ok = JSON.stringify(actual) === JSON.stringify(wanted)
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}: ${JSON.stringify(actual)}`)
    if (!ok) process.exitCode = 1
  }
  engine.setHealth('pacs', 'site-a', 'up')
  engine.setHealth('pacs', 'site-b', 'up')
  expect('both up: site A first, site B next', await lookup(), ['10.1.0.50', '10.2.0.50'])
  engine.setHealth('pacs', 'site-a', 'down')
  expect('site A down: site B only', await lookup(), ['10.2.0.50'])
  console.log(
    JSON.stringify(engine.explain('pacs.dicom.example.org', 'A', { address: '127.0.0.1' }), null, 2),
  )
  await shutdown()
} else {
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}
