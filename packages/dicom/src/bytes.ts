import { DicomError, type DicomErrorCode, invalidOption } from './errors.js'

/** A bounds-checked cursor over a byte range; every read past `end` is a DicomError, never a RangeError. */
export class Reader {
  readonly buf: Buffer
  pos: number
  readonly end: number
  private readonly code: DicomErrorCode
  private readonly what: string

  constructor(buf: Buffer, start: number, end: number, what: string, code: DicomErrorCode) {
    this.buf = buf
    this.pos = start
    this.end = end
    this.what = what
    this.code = code
  }

  get remaining(): number {
    return this.end - this.pos
  }

  fail(problem: string, at = this.pos): DicomError {
    return new DicomError(this.code, `${this.what}: ${problem} (at byte ${at})`)
  }

  private need(n: number, field: string): void {
    if (this.end - this.pos < n) {
      throw this.fail(`${field} needs ${n} byte(s) but only ${this.end - this.pos} remain`)
    }
  }

  u8(field: string): number {
    this.need(1, field)
    return this.buf[this.pos++]!
  }

  u16be(field: string): number {
    this.need(2, field)
    const value = this.buf.readUInt16BE(this.pos)
    this.pos += 2
    return value
  }

  u32be(field: string): number {
    this.need(4, field)
    const value = this.buf.readUInt32BE(this.pos)
    this.pos += 4
    return value
  }

  u16le(field: string): number {
    this.need(2, field)
    const value = this.buf.readUInt16LE(this.pos)
    this.pos += 2
    return value
  }

  u32le(field: string): number {
    this.need(4, field)
    const value = this.buf.readUInt32LE(this.pos)
    this.pos += 4
    return value
  }

  bytes(n: number, field: string): Buffer {
    this.need(n, field)
    const slice = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return slice
  }

  skip(n: number, field: string): void {
    this.need(n, field)
    this.pos += n
  }
}

/** A Buffer view of `bytes` (no copy); anything that is not bytes is a `GSLB_DICOM_OPTIONS_INVALID` naming `bytes`. */
export function asBuffer(bytes: Uint8Array): Buffer {
  if (Buffer.isBuffer(bytes)) return bytes
  if (!ArrayBuffer.isView(bytes)) {
    throw invalidOption('bytes', `expected a Uint8Array or Buffer, got ${describeValue(bytes)}`)
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value !== 'object') return typeof value
  return Array.isArray(value) ? 'an array' : (value.constructor?.name ?? 'an object')
}

/** Characters of the DICOM default character repertoire allowed in AE titles: printable ASCII but backslash. */
const AE_TITLE = /^[\x20-\x5b\x5d-\x7e]{1,16}$/

/** Returns why `value` is not a valid AE title, or undefined when it is. */
export function aeTitleProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `expected a string, got ${typeof value}`
  if (value.length === 0 || value.length > 16) return `must be 1-16 characters, got ${value.length}`
  if (!AE_TITLE.test(value)) {
    return 'must use printable ASCII of the DICOM default character repertoire (no backslash or control characters)'
  }
  if (value.trim().length === 0) return 'must not be only spaces'
  return undefined
}

const UID = /^[0-9.]{1,64}$/

export function uidProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `expected a string, got ${typeof value}`
  if (!UID.test(value)) return `'${value.slice(0, 80)}' is not a UID (1-64 characters of digits and dots)`
  return undefined
}

/** Latin-1 text without trailing NUL padding and surrounding spaces (PS3.5 padding rules). */
export function trimText(bytes: Buffer): string {
  let end = bytes.length
  while (end > 0 && (bytes[end - 1] === 0 || bytes[end - 1] === 0x20)) end--
  let start = 0
  while (start < end && bytes[start] === 0x20) start++
  return bytes.toString('latin1', start, end)
}
