// site-doctor: a small tool built from @gslb/topology and @gslb/health used as libraries.
//
// It C-ECHOes each site's PACS, and for every modality subnet prints which site that subnet would be sent to right
// now (its own site if healthy, else the next in its preference order). Useful on a jump host during an incident.
//
//   node index.mjs sites.json            check the sites in sites.json (format: see SAMPLE below), print, exit
//   node index.mjs --self-test           start two stand-in PACS (verification servers) on loopback, check them,
//                                        stop site A, check again; exit 0 when the answers are as expected
import { readFile } from 'node:fs/promises'
import { createVerificationServer } from '@gslb/dicom'
import { createHealthChecker } from '@gslb/health'
import { createTopology } from '@gslb/topology'

const SAMPLE = {
  datacenters: { siteA: ['10.1.0.0/16'], siteB: ['10.2.0.0/16'] },
  preferences: { siteA: ['siteB'], siteB: ['siteA'] },
  pacs: {
    siteA: { address: '10.1.0.50', port: 104, calledAE: 'PACS_A' },
    siteB: { address: '10.2.0.50', port: 104, calledAE: 'PACS_B' },
  },
  modalities: { CT_SCANNER_3: '10.1.20.7', MRI_WEST: '10.2.8.14' },
}

/** Runs one round of C-ECHO checks (rise = fall = 1) and resolves with each site's state. */
async function checkSites(sites) {
  const health = createHealthChecker({ defaults: { intervalMs: 60_000, timeoutMs: 2_000, rise: 1, fall: 1 } })
  for (const [site, pacs] of Object.entries(sites.pacs)) {
    health.add({
      id: site,
      address: pacs.address,
      port: pacs.port,
      monitor: { type: 'dicom', callingAE: 'SITE_DOCTOR', calledAE: pacs.calledAE },
    })
  }
  await health.start()
  const states = {}
  try {
    for (const site of Object.keys(sites.pacs)) {
      await health.checkNow(site)
      const status = health.get(site)
      states[site] = {
        state: status?.effective ?? 'unknown',
        why: status?.lastCheck ? `(${status.lastCheck.message})` : '',
      }
    }
  } finally {
    await health.close()
  }
  return states
}

function report(sites, states) {
  const topology = createTopology({ datacenters: sites.datacenters, preferences: sites.preferences })
  const healthy = new Set(Object.keys(states).filter((site) => states[site].state === 'up'))
  for (const [site, { state, why }] of Object.entries(states)) console.log(`site ${site}: ${state} ${why}`)
  const routes = {}
  for (const [modality, address] of Object.entries(sites.modalities)) {
    const home = topology.lookup(address)
    const order = topology.preferenceOrder(home, healthy)
    routes[modality] = order[0] ?? null
    console.log(`${modality} (${address}, home ${home ?? 'none'}) → ${order[0] ?? 'NO HEALTHY SITE'}`)
  }
  return routes
}

async function selfTest() {
  const siteA = createVerificationServer({ aeTitle: 'PACS_A', host: '127.0.0.1', port: 0 })
  const siteB = createVerificationServer({ aeTitle: 'PACS_B', host: '127.0.0.1', port: 0 })
  await siteA.start()
  await siteB.start()
  const a = siteA.address()
  const b = siteB.address()
  const sites = {
    ...SAMPLE,
    pacs: {
      siteA: { address: '127.0.0.1', port: a.port, calledAE: 'PACS_A' },
      siteB: { address: '127.0.0.1', port: b.port, calledAE: 'PACS_B' },
    },
  }
  const expect = (label, actual, wanted) => {
    const ok = JSON.stringify(actual) === JSON.stringify(wanted)
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}`)
    if (!ok) process.exitCode = 1
  }
  try {
    expect('both sites up: each modality stays home', report(sites, await checkSites(sites)), {
      CT_SCANNER_3: 'siteA',
      MRI_WEST: 'siteB',
    })
    await siteA.close()
    expect('site A down: everyone goes to site B', report(sites, await checkSites(sites)), {
      CT_SCANNER_3: 'siteB',
      MRI_WEST: 'siteB',
    })
  } finally {
    await siteA.close()
    await siteB.close()
  }
}

if (process.argv.includes('--self-test')) {
  await selfTest()
} else if (process.argv[2]) {
  const sites = JSON.parse(await readFile(process.argv[2], 'utf8'))
  report(sites, await checkSites(sites))
} else {
  console.log(
    `usage: node index.mjs sites.json | --self-test\n\nsites.json looks like:\n${JSON.stringify(SAMPLE, null, 2)}`,
  )
}
