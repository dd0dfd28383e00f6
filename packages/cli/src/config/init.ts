import { existsSync, realpathSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

/** Where the Debian package installs the config schema. */
export const INSTALLED_SCHEMA_PATH = '/usr/share/gslb-lb/gslb-lb.schema.json'

/**
 * The config schema on this machine as a file URL, for `$schema` (editors read it offline): the
 * `schema/gslb-lb.schema.json` of the package the running `gslb-lb` (`entry`) belongs to — an npm install or a
 * checkout — else the Debian package's copy; undefined when neither exists.
 */
export function localSchemaUrl(entry: string | undefined = process.argv[1]): string | undefined {
  const candidates: string[] = []
  if (entry) {
    let dir = dirname(existsSync(entry) ? realpathSync(entry) : entry)
    for (let up = 0; up < 3; up++, dir = dirname(dir))
      candidates.push(join(dir, 'schema', 'gslb-lb.schema.json'))
  }
  candidates.push(INSTALLED_SCHEMA_PATH)
  const found = candidates.find((file) => existsSync(file))
  return found === undefined ? undefined : pathToFileURL(found).href
}

/**
 * The starting configuration `gslb-lb init` writes: the two-site layout of a typical hospital, with a `$comment`
 * on every part saying what to change. JSON has no comments; the schema accepts `$comment` on every object.
 */
export function starterConfig(schemaPath: string | undefined = localSchemaUrl()): Record<string, unknown> {
  return {
    ...(schemaPath === undefined ? {} : { $schema: schemaPath }),
    $comment:
      'gslb-lb starting config. Replace the addresses with yours, then: gslb-lb validate <file>; gslb-lb run -c <file>. ' +
      'Durations are "500ms", "10s", "2m" or numbers of milliseconds. Reference: docs/configuration.md.',
    node: {
      $comment: 'This node. site is the datacenter it is in (a key of topology.datacenters).',
      name: 'lb-a1',
      site: 'A',
      drainTimeout: '30s',
    },
    topology: {
      $comment:
        'Client subnets of each site; the longest prefix wins. preferences: where clients of a site go when their own site is down.',
      datacenters: {
        A: { cidrs: ['10.1.0.0/16'], description: 'Site A' },
        B: { cidrs: ['10.2.0.0/16'], description: 'Site B' },
      },
      preferences: { A: ['B'], B: ['A'] },
    },
    health: {
      $comment: 'fast: 1s checks, down after 2 failures, up after 2 successes. normal: 2s checks, fall 3.',
      profile: 'fast',
    },
    monitors: {
      'dicom-echo': {
        $comment: 'A DICOM C-ECHO: the check that proves the PACS answers, not just that the port is open.',
        type: 'dicom',
        callingAE: 'GSLB_LB',
        calledAE: 'ANY-SCP',
      },
    },
    gslb: {
      $comment:
        'The authoritative GSLB for the delegated name. The resolver below asks it on 127.0.0.1:53 first. ' +
        "Add this node's own address to listen when the primary DNS delegates to it (docs/delegation.md).",
      listen: [{ address: '127.0.0.1', port: 53 }],
      zones: [
        {
          name: 'dicom.mysite.com',
          soa: { mname: 'dicom-primary-a.mysite.com', rname: 'hostmaster.mysite.com' },
          nameservers: ['dicom-primary-a.mysite.com', 'dicom-primary-b.mysite.com'],
        },
      ],
      pools: {
        dicom: {
          $comment:
            "Each site's cluster VIP. topology: clients get their own site first; maxAnswers 2 adds the other.",
          method: 'topology',
          allDown: 'any',
          maxAnswers: 2,
          monitor: 'dicom-echo',
          port: 104,
          members: [
            { name: 'siteA', address: '10.1.0.100', datacenter: 'A' },
            { name: 'siteB', address: '10.2.0.100', datacenter: 'B' },
          ],
        },
      },
      names: [{ name: 'dicom.mysite.com', pool: 'dicom', ttl: 5 }],
    },
    resolvers: {
      'local-first': {
        $comment:
          "This node's engine first, then the primary DNS (replace 10.0.0.2). The last good answer is kept through DNS outages (lastGoodMaxAge, 24h).",
        nameservers: ['127.0.0.1:53', '10.0.0.2'],
        interval: '2s',
        timeout: '500ms',
      },
    },
    services: {
      DICOM_DNS_PROXY: {
        $comment: 'The VIP the modalities are hard-coded to, forwarding to whatever dicom.mysite.com is now.',
        listen: [{ address: '10.1.0.50', port: 104 }],
        backends: [{ name: 'dicom.mysite.com', port: 104, resolver: 'local-first' }],
        balance: 'first',
        retryOnEmpty: true,
        sniffDicom: true,
        limits: { connectTimeout: '1s', firstResponseTimeout: '3s', idleTimeout: '1h' },
      },
      DICOM_CLUSTER_A: {
        $comment:
          "Site A's cluster VIP (the GSLB member siteA): the real PACS servers, checked by C-ECHO. sniffDicom puts " +
          "AE titles in the log and lets the node tell the nodes' C-ECHO checks (calling AE GSLB_LB) from modalities.",
        listen: [{ address: '10.1.0.100', port: 104 }],
        backends: [
          { address: '10.1.1.11', port: 104 },
          { address: '10.1.1.12', port: 104 },
        ],
        balance: 'leastconn',
        monitor: 'dicom-echo',
        sniffDicom: true,
      },
    },
    admin: {
      $comment: 'Loopback only by default. Listening elsewhere requires a token (16+ characters) for writes.',
      listen: { address: '127.0.0.1', port: 9180 },
    },
    logging: { level: 'info', format: 'auto' },
  }
}
