import { execFile } from 'node:child_process'

export interface DigRecord {
  name: string
  ttl: number
  type: string
  data: string
}

export interface DigResult {
  opcode: string
  status: string
  flags: string[]
  question: string[]
  answer: DigRecord[]
  authority: DigRecord[]
  additional: DigRecord[]
  /** EDNS UDP size from the OPT pseudosection, or undefined without OPT. */
  ednsUdp: number | undefined
  /** `CLIENT-SUBNET: 10.2.3.0/24/16` → '10.2.3.0/24/16'. */
  subnet: string | undefined
  /** dig's `;; WARNING: ...` lines (e.g. "EDNS query returned status ...; retry with '+noedns'"). */
  warnings: string[]
}

function run(binary: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: 10_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && !stdout)
        reject(new Error(`${binary} ${args.join(' ')} failed: ${error.message} ${stderr}`))
      else resolve(stdout)
    })
  })
}

function parseRecord(line: string): DigRecord {
  const [name, ttl, , type, ...data] = line.split(/\s+/)
  return { name: name!, ttl: Number(ttl), type: type!, data: data.join(' ') }
}

/** Runs dig against the engine and parses its `+noall +comments +question +answer ...` output. */
export async function dig(
  binary: string,
  port: number,
  args: string[],
  server = '127.0.0.1',
): Promise<DigResult> {
  const out = await run(binary, [
    `@${server}`,
    '-p',
    String(port),
    '+tries=1',
    '+time=3',
    '+noall',
    '+comments',
    '+question',
    '+answer',
    '+authority',
    '+additional',
    ...args,
  ])
  const header = /opcode: (\w+), status: (\w+), id: \d+/.exec(out)
  if (!header) throw new Error(`no header in dig output:\n${out}`)
  const flags = /;; flags:([^;]*);/.exec(out)?.[1]?.trim().split(/\s+/) ?? []
  const result: DigResult = {
    opcode: header[1]!,
    status: header[2]!,
    flags,
    question: [],
    answer: [],
    authority: [],
    additional: [],
    ednsUdp: undefined,
    subnet: undefined,
    warnings: [],
  }
  let section: 'question' | 'answer' | 'authority' | 'additional' | undefined
  for (const raw of out.split('\n')) {
    const line = raw.trim()
    const edns = /; EDNS: version: \d+, flags:[^;]*; udp: (\d+)/.exec(line)
    if (edns) result.ednsUdp = Number(edns[1])
    if (line.startsWith(';; WARNING:')) result.warnings.push(line)
    const subnet = /; CLIENT-SUBNET: (\S+)/.exec(line)
    if (subnet) result.subnet = subnet[1]
    const heading = /^;; (QUESTION|ANSWER|AUTHORITY|ADDITIONAL) SECTION:/.exec(line)
    if (heading) {
      section = heading[1]!.toLowerCase() as typeof section
      continue
    }
    if (line === '' || (line.startsWith(';') && section !== 'question')) continue
    if (section === 'question') result.question.push(line.replace(/^;/, ''))
    else if (section) result[section].push(parseRecord(line))
  }
  return result
}

export interface KdigJson {
  Opcode: number
  RCODE: number
  AA: number
  TC: number
  RD: number
  RA: number
  QNAME?: string
  answerRRs?: {
    NAME: string
    TYPEname: string
    TTL: number
    rdataA?: string
    rdataAAAA?: string
    rdataSOA?: string
    rdataNS?: string
  }[]
  authorityRRs?: { NAME: string; TYPEname: string; TTL: number }[]
  additionalRRs?: {
    NAME: string
    TYPE: number
    TYPEname: string
    CLASS: number
    TTL: number
    RDATAHEX?: string
    rdataA?: string
    rdataAAAA?: string
  }[]
}

/** Runs kdig with +json (RFC 8427). */
export async function kdig(
  binary: string,
  port: number,
  args: string[],
  server = '127.0.0.1',
): Promise<KdigJson> {
  const out = await run(binary, [
    `@${server}`,
    '-p',
    String(port),
    '+retry=0',
    '+timeout=3',
    '+json',
    ...args,
  ])
  return JSON.parse(out) as KdigJson
}

/** The OPT record of a kdig answer. */
export function kdigOpt(res: KdigJson) {
  return res.additionalRRs?.find((rr) => rr.TYPE === 41)
}

/** Decodes the ECS option from an OPT RDATA hex string: family/source/scope and the address bytes. */
export function ecsFromHex(
  hex: string | undefined,
): { family: number; source: number; scope: number } | undefined {
  if (!hex) return undefined
  const bytes = Buffer.from(hex, 'hex')
  for (let offset = 0; offset + 4 <= bytes.length; ) {
    const code = bytes.readUInt16BE(offset)
    const length = bytes.readUInt16BE(offset + 2)
    if (code === 8) {
      return { family: bytes.readUInt16BE(offset + 4), source: bytes[offset + 6]!, scope: bytes[offset + 7]! }
    }
    offset += 4 + length
  }
  return undefined
}
