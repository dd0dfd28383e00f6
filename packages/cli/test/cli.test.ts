import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../../test/support/ports.js'
import { waitFor } from '../../../test/support/wait.js'
import { main } from '../src/cli.js'
import type { GslbNode } from '../src/node/node.js'
import { fixture as fixturePath, memoryIo } from './helpers.js'
import { closeFixture, createFixture, type Fixture, startNode, validate } from './node-fixture.js'

let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gslb-cli-'))
})

afterAll(() => rmSync(dir, { recursive: true }))

async function run(args: string[], env: Record<string, string> = {}, signal?: AbortSignal) {
  const io = memoryIo(env, signal)
  const code = await main(args, io.io)
  return { code, out: io.out(), err: io.err() }
}

describe('offline commands', () => {
  test('validate: exit 0 and a summary for a valid file', async () => {
    const result = await run(['validate', fixturePath('seed.json')])
    expect(result).toMatchObject({ code: 0, err: '' })
    expect(result.out).toContain('valid (node lb-a1; 3 service(s), 1 pool(s), 1 resolver(s))')
    const json = await run(['validate', '--json', fixturePath('seed.json')])
    expect(JSON.parse(json.out)).toMatchObject({ valid: true, node: 'lb-a1' })
  })

  test('validate: exit 3 and every error for an invalid file', async () => {
    const file = join(dir, 'bad.json')
    writeFileSync(file, JSON.stringify({ node: { name: 'x', extra: true }, services: { S: { listen: [] } } }))
    const result = await run(['validate', file])
    expect(result.code).toBe(3)
    expect(result.err).toContain('node.extra: unknown key')
    expect(result.err).toContain('services.S.backends: is required')
    expect(result.err).toContain('services.S.listen: must NOT have fewer than 1 items')
    expect((await run(['validate', join(dir, 'missing.json')])).code).toBe(3)
  })

  test('init writes a commented config that validates, and will not overwrite without --force', async () => {
    const file = join(dir, 'init.json')
    expect((await run(['init', '-o', file])).code).toBe(0)
    const written = JSON.parse(readFileSync(file, 'utf8'))
    expect(written.$comment).toMatch(/gslb-lb starting config/)
    expect(written.services.DICOM_DNS_PROXY.$comment).toBeDefined()
    expect((await run(['validate', file])).code).toBe(0)
    const again = await run(['init', '-o', file])
    expect(again.code).toBe(2)
    expect(again.err).toContain('exists; use --force')
    expect((await run(['init', '-o', file, '--force'])).code).toBe(0)
    expect(JSON.parse((await run(['init', '-o', '-'])).out).node.name).toBe('lb-a1')
  })

  test('explain --offline: what the engine answers, with assumed health', async () => {
    const up = await run([
      'explain',
      '-c',
      fixturePath('seed.json'),
      '--name',
      'dicom.mysite.com',
      '--client',
      '192.168.2.15',
      '--offline',
    ])
    expect(up.code).toBe(0)
    expect(up.out).toContain('(datacenter B')
    expect(up.out).toMatch(/answer: 10\.2\.0\.100 \(ttl 5\), 10\.1\.0\.100 \(ttl 5\)/)
    expect(up.out).toContain('health: offline: health assumed up')
    const down = await run([
      'explain',
      '-c',
      fixturePath('seed.json'),
      '--name',
      'dicom.mysite.com',
      '--client',
      '192.168.2.15',
      '--offline',
      '--down',
      'siteB',
      '--json',
    ])
    expect(JSON.parse(down.out).answers.map((a: { data: string }) => a.data)).toEqual(['10.1.0.100'])
    const bad = await run([
      'explain',
      '-c',
      fixturePath('seed.json'),
      '--name',
      'x',
      '--client',
      'nope',
      '--offline',
    ])
    expect(bad.code).toBe(2)
  })

  test('usage errors exit 2; --help and --version exit 0', async () => {
    expect((await run(['frobnicate'])).code).toBe(2)
    expect((await run(['echo', '127.0.0.1', 'port'])).code).toBe(2)
    expect((await run(['check', '--timeout', 'soon'])).code).toBe(2)
    expect((await run(['demo', '--port', 'http'])).code).toBe(2)
    const help = await run(['--help'])
    expect(help.code).toBe(0)
    for (const command of [
      'run',
      'validate',
      'init',
      'explain',
      'status',
      'check',
      'reload',
      'echo',
      'demo',
    ]) {
      expect(help.out).toContain(`  ${command} `)
    }
    expect((await run(['--version'])).out.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })
})

describe('against a running node', () => {
  let fixture: Fixture
  let node: GslbNode
  let admin: string
  let file: string

  beforeAll(async () => {
    fixture = await createFixture()
    file = join(dir, 'node.json')
    writeFileSync(file, JSON.stringify(fixture.raw()))
    node = await startNode(validate(fixture.raw()), file)
    admin = `127.0.0.1:${node.adminAddress()!.port}`
  })

  afterAll(async () => {
    await node.close({ deadlineMs: 0 })
    await closeFixture(fixture)
  })

  test('check: 0 when fit (a dead server is shared with the peer), 2 for an unknown VIP, 4 when nothing answers', async () => {
    expect(await run(['check', '--admin', admin])).toMatchObject({ code: 0, out: 'fit\n' })
    const server = `127.0.0.1:${fixture.pacsPort}`
    expect((await run(['set', 'server', 'CLUSTER', server, 'force-down', '--admin', admin])).code).toBe(0)
    const shared = await run(['check', '--admin', admin, '--service', 'CLUSTER'])
    expect(shared.code).toBe(0)
    expect(shared.out).toContain(
      `fit (shared with the peer: service CLUSTER has no up server (${server} down))`,
    )
    const unknown = await run(['check', '--admin', admin, '--vip', '10.9.9.9'])
    expect(unknown.code).toBe(2)
    expect(unknown.err).toContain("no service listens on '10.9.9.9'")
    expect((await run(['set', 'server', 'CLUSTER', server, 'clear', '--admin', admin])).code).toBe(0)
    expect((await run(['check', '--admin', admin, '--quiet'])).code).toBe(0)
    const closedPort = await freePort()
    const unreachable = await run(['check', '--admin', `127.0.0.1:${closedPort}`, '--timeout', '500ms'])
    expect(unreachable.code).toBe(4)
    expect(unreachable.err).toContain('did not answer')
  })

  test('check finds the admin API through $GSLB_LB_CONFIG', async () => {
    const config = join(dir, 'with-admin.json')
    writeFileSync(
      config,
      JSON.stringify(fixture.raw((c) => (c.admin.listen.port = node.adminAddress()!.port))),
    )
    expect((await run(['check'], { GSLB_LB_CONFIG: config })).code).toBe(0)
    // A config being edited (invalid for the moment) must not make a healthy running node look down.
    const editing = join(dir, 'editing.json')
    writeFileSync(
      editing,
      JSON.stringify(
        fixture.raw((c) => {
          c.admin.listen.port = node.adminAddress()!.port
          c.services.PROXY.typo = true
        }),
      ),
    )
    expect((await run(['check'], { GSLB_LB_CONFIG: editing })).code).toBe(0)
  })

  test('status: sites, pools, members, resolvers, services', async () => {
    const text = await run(['status', '--admin', admin])
    expect(text.code).toBe(0)
    expect(text.out).toContain('node test-node (site A)')
    expect(text.out).toContain('site A (this node): 1 subnet(s); dicom/siteA up')
    expect(text.out).toMatch(/pool dicom \(failover\)\n\s+siteA\s+127\.0\.0\.1\s+A\s+up/)
    expect(text.out).toMatch(/resolver local → engine\n\s+dicom\.test\.lan\s+online\s+127\.0\.0\.1/)
    expect(text.out).toContain('service PROXY on 127.0.0.1:')
    const json = JSON.parse((await run(['status', '--admin', admin, '--json'])).out)
    expect(json.services).toHaveLength(3)
  })

  test('reload: applies the file; refuses an invalid one with exit 3', async () => {
    writeFileSync(file, JSON.stringify(fixture.raw((c) => (c.gslb.names[0].ttl = 3))))
    const ok = await run(['reload', '--admin', admin])
    expect(ok.code).toBe(0)
    expect(ok.out).toContain('engine: zones, pools and names updated')
    writeFileSync(file, JSON.stringify(fixture.raw((c) => (c.services.PROXY.backends[0].resolver = 'nope'))))
    const refused = await run(['reload', '--admin', admin])
    expect(refused.code).toBe(3)
    expect(refused.err).toContain(
      "services.PROXY.backends[0].resolver: unknown resolver 'nope' (known: local)",
    )
  })

  test('set: drain and clear a member; unknown targets fail', async () => {
    expect((await run(['set', 'member', 'dicom', 'siteA', 'drain', '--admin', admin])).out).toBe(
      'member dicom/siteA: drain\n',
    )
    expect((await run(['set', 'member', 'dicom', 'siteA', 'clear', '--admin', admin])).code).toBe(0)
    expect((await run(['set', 'member', 'dicom', 'siteZ', 'drain', '--admin', admin])).code).toBe(1)
    expect((await run(['set', 'pool', 'dicom', 'siteA', 'drain', '--admin', admin])).code).toBe(2)
  })

  test('explain without -c asks the running node; with nothing to ask and no config it is a usage error', async () => {
    const live = await run(
      ['explain', '--admin', admin, '--name', 'dicom.test.lan', '--client', '127.0.0.1'],
      {
        GSLB_LB_CONFIG: '',
      },
    )
    expect(live.code).toBe(0)
    expect(live.out).toContain('answer: 127.0.0.1')
    const nothing = await run([
      'explain',
      '--admin',
      `127.0.0.1:${await freePort()}`,
      '--name',
      'x.test',
      '--client',
      '127.0.0.1',
    ])
    expect(nothing.code).toBe(2)
    expect(nothing.err).toContain('no running node answered and no config was given')
  })

  test('status shows an override next to what the checks say', async () => {
    await run(['set', 'member', 'dicom', 'siteA', 'force-down', '--admin', admin])
    expect((await run(['status', '--admin', admin])).out).toMatch(
      /siteA\s+127\.0\.0\.1\s+A\s+down \(force-down; checks say up\)/,
    )
    await run(['set', 'member', 'dicom', 'siteA', 'clear', '--admin', admin])
  })

  test('explain asks the running node when it answers', async () => {
    const result = await run([
      'explain',
      '-c',
      file.replace('node.json', 'with-admin.json'),
      '--name',
      'dicom.test.lan',
      '--client',
      '127.0.0.1',
    ])
    expect(result.code).toBe(0)
    expect(result.out).toContain('answer: 127.0.0.1')
    expect(result.out).toContain('health: live health from the running node')
  })

  test('echo: exit 0 through the VIP, 1 when nothing answers', async () => {
    const { port } = node.serviceAddresses('PROXY')[0]!
    const ok = await run(['echo', '127.0.0.1', String(port), '--called-ae', 'PACS_TEST'])
    expect(ok.code).toBe(0)
    expect(ok.out).toMatch(/^C-ECHO 127\.0\.0\.1:\d+ ok in/)
    const failed = await run(['echo', '127.0.0.1', String(await freePort()), '--timeout', '1s'])
    expect(failed.code).toBe(1)
    expect(failed.out).toContain('failed at tcp')
  })

  test('echo to an IPv6 address names it in brackets ([::1]:port, not ::1:port)', async () => {
    const port = await freePort('::1')
    const failed = await run(['echo', '::1', String(port), '--timeout', '1s'])
    expect(failed.code).toBe(1)
    expect(failed.out).toContain(`C-ECHO [::1]:${port} failed at tcp`)
  })
})

test('run: starts everything from the file, answers its admin API, and drains on abort', async () => {
  const fixture = await createFixture()
  try {
    const adminPort = await freePort()
    const file = join(dir, 'run.json')
    writeFileSync(
      file,
      JSON.stringify(
        fixture.raw((c) => {
          c.admin.listen.port = adminPort
          c.logging.level = 'info'
        }),
      ),
    )
    const controller = new AbortController()
    const running = run(['run', '-c', file, '--log-format', 'json'], {}, controller.signal)
    await waitFor(async () => (await run(['check', '--admin', `127.0.0.1:${adminPort}`, '-q'])).code === 0, {
      what: 'the node is healthy',
    })
    controller.abort()
    const result = await running
    expect(result.code).toBe(0)
    const lines = result.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string })
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        'engine listening',
        'service listening',
        'node started',
        'stopping',
        'node stopped',
      ]),
    )
  } finally {
    await closeFixture(fixture)
  }
})

test('run: a listener that cannot bind stops the start with exit 1 and a hint', async () => {
  const fixture = await createFixture()
  try {
    const file = join(dir, 'busy.json')
    writeFileSync(
      file,
      JSON.stringify(
        fixture.raw((c) => {
          c.services.PLAIN.listen[0].port = fixture.tcpEcho.port
          c.logging = { level: 'info', format: 'json' }
        }),
      ),
    )
    const result = await run(['run', '-c', file])
    expect(result.code).toBe(1)
    const fatal = result.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; hint?: string })
      .find((line) => line.msg === 'node failed to start')
    expect(fatal?.hint).toBe('another process (or another gslb-lb) already listens there')
  } finally {
    await closeFixture(fixture)
  }
})

test('run: an invalid config starts nothing and exits 3', async () => {
  const file = join(dir, 'invalid-run.json')
  writeFileSync(
    file,
    JSON.stringify({
      node: { name: 'x' },
      services: {
        S: {
          listen: [{ address: '127.0.0.1', port: 0 }],
          backends: [{ name: 'a.b', port: 1, resolver: 'r' }],
        },
      },
    }),
  )
  const result = await run(['run', '-c', file])
  expect(result.code).toBe(3)
  expect(result.err).toContain("services.S.backends[0].resolver: unknown resolver 'r' (known: none defined)")
})

test('the demo self-check passes: echo via the VIP, site A fails, echo lands at B, A returns', async () => {
  const result = await run(['demo', '--port', '0', '--admin-port', '0', '--duration', '20s'])
  expect(result.out).toContain('self-check passed')
  expect(result.code).toBe(0)
}, 40_000)

test('the built bin runs under node (after `pnpm build`)', () => {
  const bin = join(__dirname, '..', 'dist', 'bin.cjs')
  expect(existsSync(bin)).toBe(true)
  expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true)
  const out = execFileSync(process.execPath, [bin, 'validate', fixturePath('seed.json')], {
    encoding: 'utf8',
  })
  expect(out).toContain('valid')
})

test('the built bin: SIGHUP reloads the file, SIGTERM drains and exits 0', async () => {
  const fixture = await createFixture()
  const bin = join(__dirname, '..', 'dist', 'bin.cjs')
  const adminPort = await freePort()
  const file = join(dir, 'signals.json')
  const write = (ttl: number) =>
    writeFileSync(
      file,
      JSON.stringify(
        fixture.raw((c) => {
          c.admin.listen.port = adminPort
          c.gslb.names[0].ttl = ttl
          c.logging.level = 'info'
        }),
      ),
    )
  write(1)
  const child = spawn(process.execPath, [bin, 'run', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk) => {
    output += String(chunk)
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  try {
    const admin = `127.0.0.1:${adminPort}`
    await waitFor(async () => (await run(['check', '--admin', admin, '-q'])).code === 0, {
      what: 'the node is healthy',
      timeoutMs: 15_000,
    })
    write(2)
    child.kill('SIGHUP')
    await waitFor(
      async () => {
        const status = await run(['status', '--admin', admin, '--json'])
        return status.code === 0 && JSON.parse(status.out).node.reloads.applied === 1
      },
      { what: 'the reload was applied' },
    )
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(output).toContain('"msg":"config reloaded"')
    expect(output).toContain('"msg":"node stopped"')
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
    await closeFixture(fixture)
  }
}, 30_000)
