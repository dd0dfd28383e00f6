import { asBuffer } from './bytes.js'
import { DEFAULT_MAX_PDU_LENGTH, PDU_HEADER_LENGTH } from './constants.js'
import { DicomError, DicomErrorCode, invalidOption } from './errors.js'
import { pduTypeName } from './pdu-decode.js'

export interface PduFramerOptions {
  /** Largest PDU length field accepted (bytes after the 6-byte header). Default 16384. */
  maxPduLength?: number
}

/**
 * Cuts a byte stream into whole PDUs. It checks the type byte and the announced length as soon as a
 * header is complete, so garbage and oversized PDUs fail before anything is buffered for them.
 * After an error the framer stays failed: the stream has lost its framing.
 */
export class PduFramer {
  private chunks: Buffer[] = []
  /** Index of the first chunk still held. */
  private head = 0
  private size = 0
  private limit: number
  private failure: DicomError | undefined

  constructor(options: PduFramerOptions = {}) {
    this.limit = checkLimit(options.maxPduLength ?? DEFAULT_MAX_PDU_LENGTH)
  }

  /** Bytes held that do not yet form a whole PDU. */
  get buffered(): number {
    return this.size
  }

  /** Total size of the PDU being collected (header included), or undefined before its header is complete. */
  get expected(): number | undefined {
    if (this.size < PDU_HEADER_LENGTH) return undefined
    return PDU_HEADER_LENGTH + this.peekHeader().readUInt32BE(2)
  }

  get maxPduLength(): number {
    return this.limit
  }

  set maxPduLength(value: number) {
    this.limit = checkLimit(value)
  }

  /** Adds bytes and returns every PDU they complete (each a standalone Buffer: header + body). */
  push(chunk: Uint8Array): Buffer[] {
    this.append(chunk)
    const pdus: Buffer[] = []
    for (let pdu = this.next(); pdu !== undefined; pdu = this.next()) pdus.push(pdu)
    return pdus
  }

  /** Adds bytes without framing them yet; take PDUs with next(). */
  append(chunk: Uint8Array): void {
    if (this.failure) throw this.failure
    const bytes = asBuffer(chunk)
    if (bytes.length === 0) return
    this.chunks.push(bytes)
    this.size += bytes.length
  }

  /**
   * The next whole PDU, or undefined until more bytes arrive. The limit in force when a PDU's header
   * is examined applies, so a consumer can tighten it between PDUs (after the association, say).
   */
  next(): Buffer | undefined {
    if (this.failure) throw this.failure
    if (this.size === 0) return undefined
    try {
      const head = this.peekHeader()
      pduTypeName(head[0]!)
      if (this.size < PDU_HEADER_LENGTH) return undefined
      const length = head.readUInt32BE(2)
      if (length > this.limit) {
        throw new DicomError(
          DicomErrorCode.PDU_TOO_LARGE,
          `PDU announces ${length} bytes, more than the maximum of ${this.limit}`,
        )
      }
      const total = PDU_HEADER_LENGTH + length
      return this.size < total ? undefined : this.take(total)
    } catch (error) {
      this.failure = error as DicomError
      this.chunks = []
      this.head = 0
      this.size = 0
      throw error
    }
  }

  /** Up to six bytes from the front, copying only when the header spans chunks. */
  private peekHeader(): Buffer {
    const first = this.chunks[this.head]!
    if (first.length >= PDU_HEADER_LENGTH || this.chunks.length - this.head === 1) return first
    // Copy at most six bytes from the first few chunks: a peer trickling one byte per segment must
    // not make every read rescan all the chunks held so far.
    const header = Buffer.alloc(Math.min(this.size, PDU_HEADER_LENGTH))
    let filled = 0
    for (let i = this.head; filled < header.length; i++) {
      const chunk = this.chunks[i]!
      filled += chunk.copy(header, filled, 0, Math.min(chunk.length, header.length - filled))
    }
    return header
  }

  /** Removes `total` bytes from the front. Chunks are consumed by index: Array#shift is O(n). */
  private take(total: number): Buffer {
    const first = this.chunks[this.head]!
    let out: Buffer
    if (first.length >= total) {
      out = Buffer.from(first.subarray(0, total))
      if (first.length === total) this.head++
      else this.chunks[this.head] = first.subarray(total)
    } else {
      out = Buffer.allocUnsafe(total)
      let filled = 0
      while (filled < total) {
        const chunk = this.chunks[this.head]!
        const n = Math.min(chunk.length, total - filled)
        chunk.copy(out, filled, 0, n)
        filled += n
        if (n === chunk.length) this.head++
        else this.chunks[this.head] = chunk.subarray(n)
      }
    }
    this.size -= total
    if (this.head === this.chunks.length) {
      this.chunks = []
      this.head = 0
    } else if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head)
      this.head = 0
    }
    return out
  }
}

function checkLimit(value: number): number {
  if (!Number.isInteger(value) || value < 4 || value > 0xffffffff) {
    throw invalidOption('maxPduLength', `must be an integer 4-4294967295, got ${String(value)}`)
  }
  return value
}
