// Checks the fleet file and the keepalived files with the built gslb-lb CLI, as an operator would before deploying:
//   1. `gslb-lb validate fleet.json` accepts every node's resolved config (schema, cross-references, libraries' rules);
//   2. `gslb-lb explain --offline --node NAME` shows that each node's own resolver — which asks the engine on
//      127.0.0.1, counted as the node's site — gets its own site's cluster VIP first and the other site second;
//   3. keepalived/<node>.conf exists for every node, holds exactly the node's service VIPs, tracks
//      `GET /check?vip=` on the node's admin API for each, and keeps any auth_pass within keepalived's 8 characters;
//   4. every node's admin API is reachable from its peers (the pair's fit check and the console's fleet view);
//   5. docs/keepalived.md includes keepalived/lb-a1.conf verbatim.
// Prints `ok  <what>: ...` per check, or `FAIL <what>: ...` and exits 1.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig } from '@gslb/cli'

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
const bin = join(dirname(require.resolve('@gslb/cli/package.json')), 'dist', 'bin.cjs')
const FLEET = 'fleet.json'
const CLUSTER_VIP = { A: '10.1.0.100', B: '10.2.0.100' }

function gslbLb(args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: here, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr })
    })
  })
}

const results = []
const report = (what, failure, summary) => results.push({ what, failure, summary })

const validated = await gslbLb(['validate', FLEET, '--json'])
const verdict = validated.code === 0 ? JSON.parse(validated.stdout) : undefined
if (!verdict) report(FLEET, `validate exited ${validated.code}: ${validated.stderr.trim()}`)
else report(FLEET, undefined, `valid; nodes ${verdict.nodes.map((n) => `${n.node} (${n.site})`).join(', ')}`)
const nodes = verdict?.nodes ?? []

for (const { node, site } of nodes) {
  const explained = await gslbLb(
    ['explain', '-c', FLEET, '--node', node, '--name', 'dicom.mysite.com', '--client', '127.0.0.1'].concat([
      '--offline',
      '--json',
    ]),
  )
  if (explained.code !== 0) {
    report(node, `explain exited ${explained.code}: ${explained.stderr.trim()}`)
    continue
  }
  const answers = JSON.parse(explained.stdout).answers.map((answer) => answer.data)
  const other = site === 'A' ? 'B' : 'A'
  const expected = [CLUSTER_VIP[site], CLUSTER_VIP[other]]
  if (answers.join(',') !== expected.join(','))
    report(node, `its resolver got ${answers.join(', ')}; expected ${expected.join(', ')}`)
  else report(node, undefined, `its resolver gets ${answers.join(' then ')}`)
}

/** What keepalived/<node>.conf must say for the node's resolved config. */
async function checkKeepalived(node) {
  const config = await loadConfig(join(here, FLEET), { node })
  const conf = readFileSync(join(here, 'keepalived', `${node}.conf`), 'utf8')
  const listen = config.admin?.listen ?? { address: '127.0.0.1', port: 9180 }
  // An admin API on every address is asked on loopback by keepalived, which runs on the same host.
  const wildcard = listen.address === '0.0.0.0' || listen.address === '::'
  const admin = wildcard ? { address: '127.0.0.1', port: listen.port } : listen
  const vips = [
    ...new Set(Object.values(config.services ?? {}).flatMap((s) => s.listen.map((l) => l.address))),
  ]
  const held = [...conf.matchAll(/^\s*([0-9a-f.:]+)\/\d+ dev \S+/gm)].map((m) => m[1])
  if (held.sort().join(',') !== [...vips].sort().join(','))
    return `virtual_ipaddress ${held.join(', ')}; the fleet gives ${node} the VIPs ${vips.join(', ')}`
  for (const vip of vips) {
    const check = `"/usr/bin/curl -fsS --max-time 0.8 -o /dev/null http://${admin.address}:${admin.port}/check?vip=${vip}"`
    if (!conf.includes(`script ${check}`)) return `no track script ${check}`
  }
  // VRRPv2 only (VRRPv3 has no authentication): keepalived truncates a longer auth_pass to 8 characters.
  const passwords = [...conf.matchAll(/auth_pass (\S+)/g)].map((m) => m[1])
  if (passwords.some((p) => p.length > 8))
    return `auth_pass is at most 8 characters (keepalived truncates longer ones): ${passwords.join(', ')}`
  if (!/script_user \S+/.test(conf) || !/enable_script_security/.test(conf))
    return 'enable_script_security and script_user are required'
  return { summary: `VIPs ${vips.join(', ')} tracked by GET /check?vip=` }
}

for (const { node } of nodes) {
  const result = await checkKeepalived(node).catch((error) => String(error.message ?? error))
  if (typeof result === 'string') report(`keepalived/${node}.conf`, result)
  else report(`keepalived/${node}.conf`, undefined, result.summary)
}

// The pair peer's fit check and the console's fleet view ask every node's admin API from another host.
if (nodes.length > 0) {
  const { fleet } = await loadConfig(join(here, FLEET), { node: nodes[0].node })
  const reachable = (fleet?.nodes ?? []).map(({ name, address, admin }) => {
    if (admin.address === '0.0.0.0' || admin.address === '::')
      return [name, address && `${address}:${admin.port}`]
    if (admin.address.startsWith('127.') || admin.address === '::1') return [name, undefined]
    return [name, `${admin.address}:${admin.port}`]
  })
  const missing = reachable.filter(([, at]) => !at).map(([name]) => name)
  if (missing.length > 0)
    report('admin APIs', `loopback only (its peers cannot ask it): ${missing.join(', ')}`)
  else
    report('admin APIs', undefined, `reachable by the peers at ${reachable.map(([, at]) => at).join(', ')}`)
}

const docs = readFileSync(join(here, '..', '..', 'docs', 'keepalived.md'), 'utf8')
const included = readFileSync(join(here, 'keepalived', 'lb-a1.conf'), 'utf8')
if (docs.includes(`\`\`\`conf\n${included}\`\`\``))
  report('docs/keepalived.md', undefined, 'includes keepalived/lb-a1.conf verbatim')
else
  report(
    'docs/keepalived.md',
    'does not include keepalived/lb-a1.conf verbatim (copy the file into its ```conf block)',
  )

for (const { what, failure, summary } of results)
  console.log(failure ? `FAIL ${what}: ${failure}` : `ok  ${what}: ${summary}`)
process.exitCode = results.some((r) => r.failure) ? 1 : 0
