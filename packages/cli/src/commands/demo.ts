import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createVerificationServer, echo, type VerificationServer } from '@gslb/dicom'
import type { Endpoint } from '../config/types.js'
import { validateConfig } from '../config/validate.js'
import { formatDuration } from '../duration.js'
import { createLogger } from '../log.js'
import { createNode, type GslbNode } from '../node/node.js'
import { formatStatus } from '../status-format.js'
import { type CliIo, print } from './io.js'

const NAME = 'dicom.demo.test'
const ECHO_AE = 'GSLB_DEMO'
const SITE_VIPS = { A: '127.0.0.11', B: '127.0.0.12' } as const
type SiteName = keyof typeof SITE_VIPS

/** A simulated site: a verification server standing in for the site's PACS, which can be killed and restored. */
export class DemoSite {
  pacs: VerificationServer | undefined
  port = 0
  /** Associations from our own echoes (not health checks) that reached this site. */
  echoes = 0

  constructor(readonly name: SiteName) {}

  async start(): Promise<void> {
    const pacs = createVerificationServer({
      aeTitle: `PACS_${this.name}`,
      host: '127.0.0.1',
      port: this.port,
    })
    pacs.on('association:accept', (e) => {
      if (e.callingAE === ECHO_AE) this.echoes++
    })
    await pacs.start()
    this.port = pacs.address()!.port
    this.pacs = pacs
  }

  async kill(): Promise<void> {
    const pacs = this.pacs
    this.pacs = undefined
    await pacs?.close()
  }

  get up(): boolean {
    return this.pacs !== undefined
  }
}

/** A port free on both site VIPs, so one DNS answer's port works for either site. */
async function freePortOnVips(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const probe = createServer()
      probe.once('error', reject)
      probe.listen({ host: SITE_VIPS.A, port: 0 }, () => {
        const { port } = probe.address() as { port: number }
        probe.close(() => resolve(port))
      })
    })
    const freeOnB = await new Promise<boolean>((resolve) => {
      const probe = createServer()
      probe.once('error', () => resolve(false))
      probe.listen({ host: SITE_VIPS.B, port }, () => probe.close(() => resolve(true)))
    })
    if (freeOnB) return port
  }
  throw new Error('no port free on both 127.0.0.11 and 127.0.0.12')
}

/** The demo's config: two sites behind two cluster services, the engine, and the DNS-proxy VIP. */
export function demoConfig(options: {
  vipPort: number
  adminPort: number
  clusterPort: number
  pacs: Record<SiteName, number>
}) {
  const check = {
    type: 'dicom',
    callingAE: 'GSLB_HEALTH',
    interval: '500ms',
    timeout: '400ms',
    rise: 2,
    fall: 2,
  }
  const cluster = (site: SiteName) => ({
    $comment: `Site ${site}'s cluster VIP in front of its PACS.`,
    listen: [{ address: SITE_VIPS[site], port: options.clusterPort }],
    backends: [{ address: '127.0.0.1', port: options.pacs[site] }],
    monitor: 'dicom-echo',
    sniffDicom: true,
    limits: { connectTimeout: '500ms' },
  })
  return validateConfig({
    node: { name: 'demo', site: 'A', drainTimeout: '2s', stateDir: join(tmpdir(), 'gslb-lb-demo') },
    topology: {
      datacenters: { A: { cidrs: ['127.0.0.1/32'] }, B: { cidrs: ['127.0.0.2/32'] } },
      preferences: { A: ['B'], B: ['A'] },
    },
    health: { profile: 'fast' },
    monitors: { 'dicom-echo': check },
    gslb: {
      listen: [{ address: '127.0.0.1', port: 0 }],
      zones: [{ name: NAME, nameservers: [{ name: `ns1.${NAME}`, addresses: ['127.0.0.1'] }] }],
      pools: {
        dicom: {
          method: 'topology',
          maxAnswers: 2,
          monitor: 'dicom-echo',
          port: options.clusterPort,
          members: [
            { name: 'siteA', address: SITE_VIPS.A, datacenter: 'A' },
            { name: 'siteB', address: SITE_VIPS.B, datacenter: 'B' },
          ],
        },
      },
      names: [{ name: NAME, pool: 'dicom', ttl: 1 }],
    },
    resolvers: { local: { nameservers: ['engine'], interval: '500ms', timeout: '300ms' } },
    services: {
      DICOM_DNS_PROXY: {
        $comment: 'The VIP a legacy modality is hard-coded to.',
        listen: [{ address: '127.0.0.1', port: options.vipPort }],
        backends: [{ name: NAME, port: options.clusterPort, resolver: 'local' }],
        balance: 'first',
        retryOnEmpty: true,
        sniffDicom: true,
        limits: { connectTimeout: '500ms' },
      },
      DICOM_CLUSTER_A: cluster('A'),
      DICOM_CLUSTER_B: cluster('B'),
    },
    admin: { listen: { address: '127.0.0.1', port: options.adminPort } },
    logging: { level: 'error', format: 'auto' },
  })
}

export interface Demo {
  node: GslbNode
  sites: Record<SiteName, DemoSite>
  vip: Endpoint
  admin: Endpoint | undefined
  /** Closes the node (1 s to drain) and both stand-in PACS. */
  close(): Promise<void>
}

export async function startDemo(options: { vipPort: number; adminPort: number }, io: CliIo): Promise<Demo> {
  const sites = { A: new DemoSite('A'), B: new DemoSite('B') }
  await sites.A.start()
  await sites.B.start()
  try {
    const clusterPort = await freePortOnVips()
    const config = demoConfig({ ...options, clusterPort, pacs: { A: sites.A.port, B: sites.B.port } })
    const node = createNode({ config, logger: createLogger(config.logging, io.stderr) })
    node.health.on('target:change', (e) =>
      print(
        io,
        `${new Date().toISOString().slice(11, 23)}  ${e.id}: ${e.previous} → ${e.current} (${e.reason.message})`,
      ),
    )
    await node.start()
    node.resolvers.get('local')?.on('address:change', (e) => {
      print(
        io,
        `${new Date().toISOString().slice(11, 23)}  ${e.name} now → ${e.current.join(', ') || '(nothing)'}`,
      )
    })
    const vip = node.serviceAddresses('DICOM_DNS_PROXY')[0]!
    return {
      node,
      sites,
      vip,
      admin: node.adminAddress(),
      async close() {
        await node.close({ deadlineMs: 1_000 })
        await sites.A.kill()
        await sites.B.kill()
      },
    }
  } catch (error) {
    await sites.A.kill()
    await sites.B.kill()
    throw error
  }
}

/** One C-ECHO through the VIP; which site it reached, or null. */
async function echoThrough(demo: Demo): Promise<SiteName | null> {
  const before = { A: demo.sites.A.echoes, B: demo.sites.B.echoes }
  const result = await echo({
    host: demo.vip.address,
    port: demo.vip.port,
    callingAE: ECHO_AE,
    calledAE: 'ANY-SCP',
    timeoutMs: 2_000,
  })
  if (!result.ok) return null
  if (demo.sites.A.echoes > before.A) return 'A'
  if (demo.sites.B.echoes > before.B) return 'B'
  return null
}

async function waitFor<T>(what: string, deadline: number, probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/**
 * The scripted self-check, echoing through the VIP every 100 ms the whole time (no echo may fail while site B is up):
 * echoes land at A; A's PACS dies → echoes land at B at once, and the GSLB answer moves to B; A returns → echoes stay
 * at B until A has passed its rise threshold and the answer moves back, then land at A.
 */
export async function selfCheck(demo: Demo, budgetMs: number, io: CliIo): Promise<boolean> {
  const started = Date.now()
  const deadline = started + budgetMs
  const step = (text: string) => print(io, `[${formatDuration(Date.now() - started).padStart(6)}] ${text}`)
  const resolver = demo.node.resolvers.get('local')
  const answerPrefers = () => resolver?.addresses(NAME)[0]
  let failed = 0
  /** Echoes until `done()` holds; every echo must land somewhere, and only at the sites in `allowed`. */
  const echoUntil = async (
    what: string,
    allowed: readonly SiteName[],
    done: (landed: SiteName) => boolean,
  ) => {
    for (;;) {
      const landed = await echoThrough(demo)
      if (landed === null) failed++
      else if (done(landed)) return
      else if (!allowed.includes(landed)) throw new Error(`an echo landed at site ${landed} while ${what}`)
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  try {
    await waitFor('the node is healthy', deadline, async () => (demo.node.check().healthy ? true : undefined))
    step('node healthy: both sites up')
    await echoUntil('an echo lands at site A', ['A', 'B'], (site) => site === 'A')
    step(`C-ECHO through ${demo.vip.address}:${demo.vip.port} → site A`)

    await demo.sites.A.kill()
    const failedAt = Date.now()
    step("site A's PACS stopped")
    await echoUntil('the first echo lands at site B', ['B'], (site) => site === 'B')
    step(`C-ECHO through the VIP → site B (${formatDuration(Date.now() - failedAt)} after the failure)`)
    await echoUntil('the GSLB answer prefers site B', ['B'], () => answerPrefers() === SITE_VIPS.B)
    step(`GSLB answer now prefers site B (${formatDuration(Date.now() - failedAt)} after the failure)`)

    await demo.sites.A.start()
    const restoredAt = Date.now()
    step("site A's PACS restored")
    // an echo may land at A only once the answer prefers A again, i.e. after A passed its rise threshold
    await echoUntil('site A passes its rise threshold', ['B'], () => answerPrefers() === SITE_VIPS.A)
    step(
      `GSLB answer prefers site A again (${formatDuration(Date.now() - restoredAt)} after the restore: rise)`,
    )
    await echoUntil('echoes return to site A', ['A'], (site) => site === 'A')
    step(
      `C-ECHO through the VIP → site A again (${formatDuration(Date.now() - restoredAt)} after the restore)`,
    )
    if (failed > 0) throw new Error(`${failed} echo(es) failed while a site was up`)
    step('self-check passed: 0 failed echoes')
    return true
  } catch (error) {
    step(`self-check FAILED: ${(error as Error).message}`)
    return false
  }
}

/**
 * How to type `gslb-lb` in the shell the demo was started from. In a source checkout (`entry` is
 * packages/cli/dist/bin.cjs and the workspace root has a `gslb-lb` script) nothing puts the bin on the PATH, so
 * `pnpm gslb-lb`; installed (.deb, npm -g), plain `gslb-lb`.
 */
export function cliCommand(entry: string | undefined = process.argv[1]): string {
  if (!entry || !existsSync(entry)) return 'gslb-lb'
  const workspaceRoot = join(dirname(realpathSync(entry)), '..', '..', '..')
  try {
    const manifest = JSON.parse(readFileSync(join(workspaceRoot, 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>
    }
    if (manifest.scripts?.['gslb-lb'] !== undefined) return 'pnpm gslb-lb'
  } catch {
    // no readable package.json there: not a checkout
  }
  return 'gslb-lb'
}

/** What runs where; with `tryIt`, also what to try (the interactive demo). */
export function instructions(demo: Demo, options: { tryIt: boolean }): string {
  const vip = `${demo.vip.address} ${demo.vip.port}`
  const admin = demo.admin ? `http://${demo.admin.address}:${demo.admin.port}` : '(admin API off)'
  const running = [
    'gslb-lb demo — everything on loopback:',
    `  site A PACS (verification SCP)  127.0.0.1:${demo.sites.A.port}, behind cluster VIP ${SITE_VIPS.A} (service DICOM_CLUSTER_A)`,
    `  site B PACS (verification SCP)  127.0.0.1:${demo.sites.B.port}, behind cluster VIP ${SITE_VIPS.B} (service DICOM_CLUSTER_B)`,
    `  GSLB engine                     ${demo.node
      .engineAddresses()
      .map((a) => `${a.address}:${a.port}`)
      .join(', ')} — ${NAME} → the best healthy site`,
    `  DNS-proxy VIP (the modality's)  ${demo.vip.address}:${demo.vip.port} → ${NAME}`,
    `  admin API                       ${admin}`,
    ...(demo.admin ? [`  console (open in a browser)     ${admin}/`] : []),
  ]
  if (!options.tryIt) return running.join('\n')
  return [
    ...running,
    '',
    'Try:',
    `  ${`${cliCommand()} echo ${vip}`.padEnd(49)} # a C-ECHO through the VIP (or dcmtk: echoscu ${vip})`,
    `  curl -s ${admin}/status`,
    `  curl -s -X POST ${admin}/members/dicom/siteA/force-down   # fail site A in DNS`,
    `  curl -s -X POST ${admin}/members/dicom/siteA/clear        # and bring it back`,
    process.stdin.isTTY ? '  keys: a / b kill or restore site A / B PACS, s status, q quit' : '',
    'State changes follow; Ctrl-C stops.',
  ].join('\n')
}

export function listenForKeys(demo: Demo, io: CliIo, quit: () => void): () => void {
  const stdin = process.stdin
  if (!stdin.isTTY) return () => {}
  stdin.setRawMode(true)
  stdin.resume()
  const onData = (data: Buffer) => {
    const key = data.toString()
    if (key === 'q' || key === '\u0003') quit()
    else if (key === 's') print(io, formatStatus(demo.node.status()))
    else if (key === 'a' || key === 'b') {
      const site = demo.sites[key.toUpperCase() as SiteName]
      const action = site.up ? site.kill() : site.start()
      action.then(
        () => print(io, `site ${site.name} PACS ${site.up ? 'restored' : 'stopped'}`),
        (error: unknown) => print(io, `site ${site.name}: ${(error as Error).message}`),
      )
    }
  }
  stdin.on('data', onData)
  return () => {
    stdin.off('data', onData)
    stdin.setRawMode(false)
    stdin.pause()
  }
}
