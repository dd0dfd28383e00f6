import { isIP } from 'node:net'
import {
  formatAddress,
  isIPv4Mapped,
  parseAddress,
  parseCidr,
  TopologyError,
  tryParseAddress,
} from '@gslb/topology'
import { prng } from './reference.js'

// Differential fuzzing: node's own address validator and WHATWG URL's IPv6 serializer as independent oracles.
const ALPHABET = '0123456789abcdefABCDEF:.:.::%/ xg'

function randomText(random: () => number): string {
  const pieces: string[] = []
  const shape = random()
  if (shape < 0.3) {
    // Near-IPv4: four numbers, sometimes with junk.
    for (let i = 0; i < 4; i++) pieces.push(String(Math.floor(random() * (random() < 0.1 ? 1000 : 256))))
    let text = pieces.join('.')
    if (random() < 0.3)
      text = text.replace(/\d/, (d) =>
        random() < 0.5 ? `0${d}` : d + ALPHABET[Math.floor(random() * ALPHABET.length)],
      )
    return text
  }
  if (shape < 0.7) {
    // Near-IPv6: groups of hex, sometimes compressed, sometimes with an IPv4 tail.
    const groups = 1 + Math.floor(random() * 9)
    for (let i = 0; i < groups; i++) {
      const digits = Math.floor(random() * 6)
      let group = ''
      for (let d = 0; d < digits; d++) group += '0123456789abcdefABCDEF'[Math.floor(random() * 22)]
      pieces.push(group)
    }
    let text = pieces.join(':')
    if (random() < 0.4) text = text.replace(':', '::')
    if (random() < 0.2) text += `:${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.1.2`
    return text
  }
  const length = Math.floor(random() * 20)
  let text = ''
  for (let i = 0; i < length; i++) text += ALPHABET[Math.floor(random() * ALPHABET.length)]
  return text
}

describe('address parser against node:net and WHATWG URL', () => {
  it('accepts exactly what node accepts (minus zone ids) and formats IPv6 like URL does', () => {
    const random = prng(7871)
    let accepted4 = 0
    let accepted6 = 0
    for (let i = 0; i < 15_000; i++) {
      const text = randomText(random)
      const oracle = text.includes('%') ? 0 : isIP(text)
      let parsed: ReturnType<typeof parseAddress> | undefined
      try {
        parsed = parseAddress(text)
      } catch (error) {
        expect(error).toBeInstanceOf(TopologyError)
      }
      expect({ text, family: parsed?.family ?? 0 }).toEqual({ text, family: oracle })
      expect(tryParseAddress(text)?.family ?? 0).toBe(oracle)
      if (parsed?.family === 4) accepted4++
      if (parsed?.family === 6) {
        accepted6++
        if (!isIPv4Mapped(parsed.bytes)) {
          expect({ text, formatted: formatAddress(parsed.bytes) }).toEqual({
            text,
            formatted: new URL(`http://[${text}]/`).hostname.slice(1, -1),
          })
        }
        expect([...parseAddress(formatAddress(parsed.bytes)).bytes]).toEqual([...parsed.bytes])
      }
    }
    expect(accepted4).toBeGreaterThan(300)
    expect(accepted6).toBeGreaterThan(300)
  })

  it('parseCidr never throws anything but TopologyError', () => {
    const random = prng(42)
    for (let i = 0; i < 10_000; i++) {
      const text = `${randomText(random)}/${random() < 0.5 ? Math.floor(random() * 140) : randomText(random).slice(0, 3)}`
      try {
        const cidr = parseCidr(text)
        expect(cidr.prefixLength).toBeLessThanOrEqual(cidr.bytes.length * 8)
      } catch (error) {
        expect((error as TopologyError).code).toBe('GSLB_TOPOLOGY_INVALID_CIDR')
      }
    }
  })
})
