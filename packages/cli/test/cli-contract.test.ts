import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../src/cli.js'
import { fixture as fixturePath, memoryIo, seed } from './helpers.js'

let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gslb-cli-contract-'))
})

afterAll(() => rmSync(dir, { recursive: true }))

async function run(args: string[], env: Record<string, string> = {}) {
  const io = memoryIo(env)
  const code = await main(args, io.io)
  return { code, out: io.out(), err: io.err() }
}

describe('validate', () => {
  test('--json prints JSON on stdout for an invalid config too (exit 3)', async () => {
    const file = join(dir, 'bad.json')
    writeFileSync(file, JSON.stringify({ node: { name: 'x', extra: true } }))
    const result = await run(['validate', '--json', file])
    expect(result.code).toBe(3)
    const body = JSON.parse(result.out)
    expect(body).toMatchObject({ valid: false, file, error: { code: 'GSLB_CONFIG_INVALID' } })
    expect(body.issues).toContainEqual({ path: 'node.extra', message: 'unknown key' })
  })

  test('--json prints JSON on stdout for an unreadable file', async () => {
    const file = join(dir, 'missing.json')
    const result = await run(['validate', '--json', file])
    expect(result.code).toBe(3)
    expect(JSON.parse(result.out)).toMatchObject({
      valid: false,
      error: { code: 'GSLB_CONFIG_UNREADABLE' },
      issues: [],
    })
  })

  test('a UTF-8 byte order mark (Notepad) is accepted; UTF-16 is refused with what to do', async () => {
    const file = join(dir, 'bom.json')
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(seed()))]))
    expect((await run(['validate', file])).code).toBe(0)
    const utf16 = join(dir, 'utf16.json')
    writeFileSync(
      utf16,
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify(seed()), 'utf16le')]),
    )
    const refused = await run(['validate', utf16])
    expect(refused.code).toBe(3)
    expect(refused.err).toContain('save it as UTF-8')
  })

  test('host bits in a subnet are a warning (stderr, and warnings[] in --json); the config stays valid', async () => {
    const config = seed() as { topology: { datacenters: { A: { cidrs: string[] } } } }
    config.topology.datacenters.A.cidrs[0] = '10.1.0.5/16'
    const file = join(dir, 'hostbits.json')
    writeFileSync(file, JSON.stringify(config))
    const text = await run(['validate', file])
    expect(text.code).toBe(0)
    expect(text.err).toContain(
      "warning: topology.datacenters.A.cidrs[0]: '10.1.0.5/16' has host bits set below the /16: it is read as 10.1.0.0/16",
    )
    const json = JSON.parse((await run(['validate', '--json', file])).out)
    expect(json.warnings).toEqual([
      { path: 'topology.datacenters.A.cidrs[0]', message: expect.stringContaining('10.1.0.0/16') },
    ])
    expect(JSON.parse((await run(['validate', '--json', fixturePath('seed.json')])).out).warnings).toEqual([])
  })
})

describe('init', () => {
  test('-o into a folder that does not exist creates it (0755)', async () => {
    const file = join(dir, 'etc', 'gslb-lb', 'config.json')
    const result = await run(['init', '-o', file])
    expect(result).toMatchObject({ code: 0, err: '' })
    expect(JSON.parse(readFileSync(file, 'utf8')).node.name).toBe('lb-a1')
    expect(statSync(join(dir, 'etc', 'gslb-lb')).mode & 0o777).toBe(0o755 & ~process.umask())
    const again = await run(['init', '-o', file])
    expect(again.code).toBe(2)
    expect(again.err).toContain('exists; use --force')
  })

  test('a folder that cannot be made is an error (exit 1), never a hang', async () => {
    // /proc refuses new entries with ENOENT: Node's own recursive mkdir loops on it forever.
    const result = await run(['init', '-o', '/proc/gslb-lb-test/config.json'])
    expect(result.code).toBe(1)
    expect(result.err).toContain('cannot write /proc/gslb-lb-test/config.json')
    const file = join(dir, 'a-file')
    writeFileSync(file, '')
    const underFile = await run(['init', '-o', join(file, 'config.json')])
    expect(underFile.code).toBe(1)
    expect(underFile.err).toContain('cannot write')
  }, 10_000)
})

describe('exit codes', () => {
  test('no arguments: the help on stderr and exit 2', async () => {
    const result = await run([])
    expect(result.code).toBe(2)
    expect(result.err).toContain('Usage: gslb-lb')
    expect(result.out).toBe('')
  })

  test('bad values to echo are usage errors (2), also those only the DICOM library checks', async () => {
    const longAe = await run(['echo', '127.0.0.1', '104', '--calling-ae', 'THIS_AE_TITLE_IS_TOO_LONG'])
    expect(longAe.code).toBe(2)
    // the flag, from the library error's path: not the library's option name
    expect(longAe.err).toContain('--calling-ae: AE title')
    expect(longAe.err).not.toContain('callingAE')
    const zero = await run(['echo', '127.0.0.1', '104', '--timeout', '0'])
    expect(zero.code).toBe(2)
    expect(zero.err).toContain('--timeout')
    expect((await run(['echo', '', '104'])).code).toBe(2)
  })

  test('bad values to set are usage errors (2) before anything is asked', async () => {
    // Nothing listens on port 1: a usage error must not get as far as the network (that would be exit 4).
    const bogus = await run(['set', 'member', 'dicom', 'siteA', 'frobnicate', '--admin', '127.0.0.1:1'])
    expect(bogus.code).toBe(2)
    expect(bogus.err).toContain('<action> must be one of drain, force-up, force-down, clear')
  })

  describe('an admin API that wants a token', () => {
    let server: Server
    let admin: string
    const seen: { auth: string | undefined }[] = []

    beforeAll(async () => {
      server = createServer((req, res) => {
        seen.push({ auth: req.headers.authorization })
        if (req.method === 'POST' && req.headers.authorization !== 'Bearer right-token-0123456789') {
          res.writeHead(401, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ error: 'a valid bearer token is required' }))
          return
        }
        res.writeHead(403, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: 'writes are disabled' }))
      })
      await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve))
      admin = `127.0.0.1:${(server.address() as { port: number }).port}`
    })

    afterAll(async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    })

    test('a 401 names --token and $GSLB_LB_TOKEN, prints no raw JSON, exits 2', async () => {
      for (const args of [
        ['reload', '--admin', admin],
        ['set', 'member', 'dicom', 'siteA', 'drain', '--admin', admin],
      ]) {
        const result = await run(args)
        expect(result.code).toBe(2)
        expect(result.err).toContain('--token')
        expect(result.err).toContain('$GSLB_LB_TOKEN')
        expect(result.err).not.toContain('{')
        expect(result.out).toBe('')
      }
      const wrong = await run(['reload', '--admin', admin, '--token', 'wrong-token-0123456789'])
      expect(wrong.code).toBe(2)
      expect(wrong.err).toContain('refused the token')
    })

    test('another refusal (403) exits 1 with the reason, not the raw JSON', async () => {
      const result = await run(['status', '--admin', admin])
      expect(result.code).toBe(1)
      expect(result.err).toContain('GET /status: refused by the node (HTTP 403): writes are disabled')
    })
  })
})
