/**
 * `ResponseQueue`: how one JavaScript thread's replies reach the engine.
 *
 * While a dispatcher turn lasts (`hold()` to `release()`), small writes are
 * copied into one reusable buffer and cross to the engine together, in one
 * native call per turn instead of one per response: a call costs more than
 * copying a few hundred bytes. Large bodies are lent to the engine instead
 * (not copied), and anything that cannot wait goes straight through, after
 * what is queued so each connection's bytes keep their order.
 */
import type { NativeResponder } from './native'

/**
 * Byte bodies from this size on are sent from the caller's buffer rather than
 * copied: a reference costs more than copying a small body, and less than
 * copying (and evicting from cache) a large one.
 */
export const SHARE_MIN = 64 * 1024

/** Bytes queued before a turn's writes are handed over early. */
const QUEUE_BYTES = 256 * 1024
/** Writes queued before they are handed over early. */
const QUEUE_WRITES = 1024
/** Numbers per queued write: connection id, flags, byte length. */
const ENTRY = 3
/** UTF-8 bytes a JavaScript string unit can take at most. */
const UTF8_PER_UNIT = 3

export class ResponseQueue {
  readonly native: NativeResponder
  #bytes = Buffer.allocUnsafe(QUEUE_BYTES)
  #writes = new Float64Array(QUEUE_WRITES * ENTRY)
  #used = 0
  #count = 0
  #holding = false

  constructor(native: NativeResponder) {
    this.native = native
  }

  /** Starts queueing: writes wait until `release()`. */
  hold(): void {
    this.#holding = true
    this.native.holdRings()
  }

  /** Hands over what was queued and wakes the engine once for all of it (if holding). */
  release(): void {
    if (!this.#holding) return
    this.#holding = false
    this.#handOver()
    this.native.releaseRings()
  }

  /** Hands over what was queued and wakes the engine, and goes on holding. */
  flush(): void {
    this.#handOver()
    this.native.ring()
  }

  /** A string (sent as UTF-8) or bytes. */
  write(connId: number, data: string | Uint8Array, flags: number): void {
    if (typeof data === 'string') this.writeString(connId, data, flags)
    else this.writeBytes(connId, data, flags)
  }

  /** A string, sent as UTF-8. */
  writeString(connId: number, data: string, flags: number): void {
    if (this.#room(data.length * UTF8_PER_UNIT)) {
      this.#add(connId, flags, this.#bytes.write(data, this.#used))
      return
    }
    this.#handOver()
    this.native.writeString(connId, data, flags)
  }

  /** Bytes; large ones are lent, not copied (do not change them afterwards). */
  writeBytes(connId: number, data: Uint8Array, flags: number): void {
    if (data.byteLength < SHARE_MIN && this.#room(data.byteLength)) {
      this.#bytes.set(data, this.#used)
      this.#add(connId, flags, data.byteLength)
      return
    }
    this.#handOver()
    if (data.byteLength >= SHARE_MIN) this.native.writeShared(connId, data as Buffer, flags)
    else this.native.write(connId, data, flags)
  }

  /** A string head and a byte body, in that order, as one write. */
  respond(connId: number, head: string, body: Uint8Array, flags: number): void {
    if (body.byteLength < SHARE_MIN && this.#room(head.length * UTF8_PER_UNIT + body.byteLength)) {
      const headBytes = this.#bytes.write(head, this.#used)
      this.#bytes.set(body, this.#used + headBytes)
      this.#add(connId, flags, headBytes + body.byteLength)
      return
    }
    this.#handOver()
    if (body.byteLength >= SHARE_MIN) this.native.respondShared(connId, head, body as Buffer, flags)
    else this.native.respond(connId, head, body, flags)
  }

  /** See `Responder.sendFile`; queued writes go first. */
  sendFile(connId: number, path: string, offset: number, length: number, flags: number): void {
    this.#handOver()
    this.native.sendFile(connId, path, offset, length, flags)
  }

  /**
   * Drops a connection; queued writes go first. Those of an unfinished
   * response are discarded with it; a connection between responses closes
   * once what was sent has gone out.
   */
  abort(connId: number): void {
    this.#handOver()
    this.native.abort(connId)
  }

  /** Closes a connection at once with a TCP reset; queued writes are handed over first, then dropped. */
  reset(connId: number): void {
    this.#handOver()
    this.native.reset(connId)
  }

  /** See `Responder.ack`: the engine may read `bytes` more of the connection. */
  ack(connId: number, bytes: number): void {
    this.native.ack(connId, bytes)
  }

  /** True if `size` bytes may be queued now, handing over first if they do not fit. */
  #room(size: number): boolean {
    if (!this.#holding || size > QUEUE_BYTES) return false
    if (this.#used + size > QUEUE_BYTES || this.#count === QUEUE_WRITES) this.#handOver()
    return true
  }

  #add(connId: number, flags: number, length: number): void {
    const at = this.#count * ENTRY
    this.#writes[at] = connId
    this.#writes[at + 1] = flags
    this.#writes[at + 2] = length
    this.#count++
    this.#used += length
  }

  #handOver(): void {
    if (this.#count === 0) return
    this.native.writeBatch(this.#bytes, this.#used, this.#writes, this.#count)
    this.#used = 0
    this.#count = 0
  }
}
