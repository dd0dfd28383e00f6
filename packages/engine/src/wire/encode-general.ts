import { DnsWireError } from './errors.js'
import { CLASS_IN, clampTtl, encodeTruncated, optLength, writeHeader, writeOpt } from './message-parts.js'
import { asciiLower, nameToLabels } from './names.js'
import { MAX_DNS_MESSAGE_SIZE } from './parse-query.js'
import { type ResourceRecord, type ResponseMessage, RRType } from './types.js'

const utf8 = new TextEncoder()

class Overflow extends Error {}

interface EncodedName {
  labels: readonly Uint8Array[]
  /** Lowercased suffix starting at each label: the compression map's keys. */
  suffixes: readonly string[]
}

/**
 * Record names come from the engine's config (zone apexes, SOA and NS names, global names), so their labels are
 * worth keeping: splitting them on every query was most of the cost of a negative answer. The question name is
 * the asker's and is never cached; a record name echoing the question's case can only add misses, and the cap
 * bounds memory.
 */
const NAME_CACHE_MAX = 4096
const nameCache = new Map<string, EncodedName>()

function encodeName(name: string): EncodedName {
  const { labels, starts, text } = nameToLabels(name)
  const lower = asciiLower(text)
  return { labels, suffixes: starts.map((start) => lower.slice(start)) }
}

function cachedName(name: string): EncodedName {
  let encoded = nameCache.get(name)
  if (encoded === undefined) {
    encoded = encodeName(name)
    if (nameCache.size >= NAME_CACHE_MAX) nameCache.clear()
    nameCache.set(name, encoded)
  }
  return encoded
}

/** Writer over a scratch buffer with a suffix → offset compression map. Shared scratch: encoding is synchronous. */
const scratch = new Uint8Array(MAX_DNS_MESSAGE_SIZE + 1024)

class Writer {
  off = 12
  private readonly compression = new Map<string, number>()

  room(n: number): void {
    if (this.off + n > MAX_DNS_MESSAGE_SIZE) throw new Overflow()
  }

  u8(v: number): void {
    this.room(1)
    scratch[this.off++] = v & 0xff
  }

  u16(v: number): void {
    this.room(2)
    scratch[this.off] = (v >> 8) & 0xff
    scratch[this.off + 1] = v & 0xff
    this.off += 2
  }

  u32(v: number): void {
    this.room(4)
    scratch[this.off] = (v >>> 24) & 0xff
    scratch[this.off + 1] = (v >> 16) & 0xff
    scratch[this.off + 2] = (v >> 8) & 0xff
    scratch[this.off + 3] = v & 0xff
    this.off += 4
  }

  bytes(b: Uint8Array): void {
    this.room(b.length)
    scratch.set(b, this.off)
    this.off += b.length
  }

  name(name: string, cache = true): void {
    const { labels, suffixes } = cache ? cachedName(name) : encodeName(name)
    for (let i = 0; i < labels.length; i++) {
      const key = suffixes[i]!
      const pointer = this.compression.get(key)
      if (pointer !== undefined) {
        this.u16(0xc000 | pointer)
        return
      }
      if (this.off < 0x4000) this.compression.set(key, this.off)
      const label = labels[i]!
      this.u8(label.length)
      this.bytes(label)
    }
    this.u8(0)
  }
}

function typeCode(rr: ResourceRecord): number {
  return RRType[rr.type]
}

function writeRecord(w: Writer, rr: ResourceRecord): void {
  w.name(rr.name)
  w.u16(typeCode(rr))
  w.u16(CLASS_IN)
  w.u32(clampTtl(rr.ttl))
  const lengthAt = w.off
  w.u16(0)
  switch (rr.type) {
    case 'A':
    case 'AAAA': {
      const expected = rr.type === 'A' ? 4 : 16
      if (rr.address.length !== expected) {
        throw new DnsWireError(
          'GSLB_DNS_INVALID_RECORD',
          `${rr.type} record for '${rr.name}' has a ${rr.address.length}-byte address, expected ${expected}`,
        )
      }
      w.bytes(rr.address)
      break
    }
    case 'CNAME':
    case 'NS':
      w.name(rr.target)
      break
    case 'TXT':
      writeTxt(w, rr.text)
      break
    case 'SOA':
      w.name(rr.mname)
      w.name(rr.rname)
      for (const v of [rr.serial, rr.refresh, rr.retry, rr.expire, rr.minimum]) w.u32(v >>> 0)
      break
    default:
      throw new DnsWireError(
        'GSLB_DNS_INVALID_RECORD',
        `unsupported record type '${(rr as { type: string }).type}'`,
      )
  }
  const rdLength = w.off - lengthAt - 2
  scratch[lengthAt] = rdLength >> 8
  scratch[lengthAt + 1] = rdLength & 0xff
}

/** Each string is UTF-8 and split into ≤ 255-byte character-strings; an empty list becomes one empty string. */
function writeTxt(w: Writer, text: string[]): void {
  if (text.length === 0) {
    w.u8(0)
    return
  }
  for (const s of text) {
    const bytes = utf8.encode(s)
    if (bytes.length === 0) w.u8(0)
    for (let i = 0; i < bytes.length; i += 255) {
      const chunk = bytes.subarray(i, Math.min(i + 255, bytes.length))
      w.u8(chunk.length)
      w.bytes(chunk)
    }
  }
}

export function encodeGeneral(msg: ResponseMessage, limit: number): Uint8Array {
  const w = new Writer()
  const opt = optLength(msg.edns)
  try {
    if (msg.question !== undefined) {
      w.name(msg.question.name, false)
      w.u16(msg.question.type)
      w.u16(msg.question.class)
    }
    for (const rr of msg.answers) writeRecord(w, rr)
    for (const rr of msg.authority) writeRecord(w, rr)
    for (const rr of msg.additional) writeRecord(w, rr)
    if (w.off + opt > limit) return encodeTruncated(msg, limit)
  } catch (err) {
    if (err instanceof Overflow) return encodeTruncated(msg, limit)
    throw err
  }
  const out = Buffer.allocUnsafe(w.off + opt)
  const arcount = msg.additional.length + (msg.edns === undefined ? 0 : 1)
  writeHeader(
    out,
    msg,
    false,
    msg.question === undefined ? 0 : 1,
    msg.answers.length,
    msg.authority.length,
    arcount,
  )
  out.set(scratch.subarray(12, w.off), 12)
  if (msg.edns !== undefined) writeOpt(out, w.off, msg, msg.edns)
  return out
}
