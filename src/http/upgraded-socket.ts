/**
 * `UpgradedSocket`: the socket of a connection that has left HTTP (a request
 * node:http hands to `'upgrade'` or `'connect'`), a `stream.Duplex` with the
 * members of `net.Socket` that WebSocket servers and proxies use.
 *
 * Bytes cross to the engine as they are written, and `write()` returns false
 * once 256 KiB wait there, until they drain. Bytes from the peer arrive as
 * `'data'`; the engine stops reading the socket while 256 KiB of them are
 * unread here (`pause()` or a slow consumer), so backpressure holds both
 * ways. `end()` sends a FIN once everything written is out; the peer's FIN
 * is `'end'`, after which the app may still write until it ends its side
 * (half-open, as node:http's sockets). `destroy()` sends what was written
 * and closes; `resetAndDestroy()` closes with a reset.
 */
import { Duplex } from 'node:stream'

import type { Reply, ReplyObserver } from '../reply'
import { addTlsMembers } from '../tls/session'
import type { EngineRequest } from '../types'

type Callback = (err?: Error | null) => void

export class UpgradedSocket extends Duplex implements ReplyObserver {
  readonly remoteAddress: string
  readonly remotePort: number
  readonly remoteFamily: string
  readonly localAddress: string
  readonly localPort: number
  /** Only present on TLS connections, like `tls.TLSSocket#encrypted`. */
  declare encrypted?: boolean
  readonly connecting = false
  readonly pending = false
  bytesRead = 0
  /** The server that accepted the connection, as `net.Socket#server`. */
  server: object | null = null
  bytesWritten = 0
  timeout = 0

  #reply: Reply
  /** The engine closed the connection. */
  #gone = false
  /** The callback of a write that waits for the engine to drain. */
  #waiting: Callback | null = null
  #timer: NodeJS.Timeout | null = null
  /** `resetAndDestroy()`: close without sending what is still queued. */
  #reset = false

  constructor(req: EngineRequest, reply: Reply) {
    // As the sockets of node:http, whose net.Server allows half-open connections.
    super({ allowHalfOpen: true })
    this.#reply = reply
    this.remoteAddress = req.remoteAddress
    this.remotePort = req.remotePort
    this.remoteFamily = req.remoteAddress.includes(':') ? 'IPv6' : 'IPv4'
    this.localAddress = req.localAddress
    this.localPort = req.localPort
    if (req.tls) {
      this.encrypted = true
      addTlsMembers(this, reply)
    }
  }

  get readyState(): string {
    if (this.destroyed) return 'closed'
    if (this.readable && this.writable) return 'open'
    return this.readable ? 'readOnly' : this.writable ? 'writeOnly' : 'closed'
  }

  /** Bytes written and not yet handed to the engine (`net.Socket#bufferSize`). */
  get bufferSize(): number {
    return this.writableLength
  }

  address(): { address: string; family: string; port: number } {
    return { address: this.localAddress, family: this.localAddress.includes(':') ? 'IPv6' : 'IPv4', port: this.localPort }
  }

  /** Emits `'timeout'` after `ms` without bytes either way (0 turns it off), as `net.Socket` does. */
  setTimeout(ms: number, cb?: () => void): this {
    this.timeout = ms
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    if (cb) {
      if (ms === 0) this.off('timeout', cb)
      else this.once('timeout', cb)
    }
    if (ms > 0 && !this.destroyed) {
      this.#timer = setTimeout(() => this.emit('timeout'), ms)
      this.#timer.unref()
    }
    return this
  }

  /** The engine sends small writes at once (they are never held back). */
  setNoDelay(): this {
    return this
  }

  setKeepAlive(): this {
    return this
  }

  ref(): this {
    return this
  }

  unref(): this {
    return this
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: Callback): void {
    this.#active()
    this.bytesWritten += chunk.length
    if (this.#reply.writeRaw(chunk, false)) cb()
    else this.#waiting = cb
  }

  override _final(cb: Callback): void {
    if (!this.#gone) this.#reply.writeRaw('', true)
    cb()
  }

  override _read(): void {
    this.#reply.ackRead()
  }

  /** Closes at once, dropping what was written and not sent yet (`net.Socket#resetAndDestroy`). */
  resetAndDestroy(): this {
    this.#reset = true
    return this.destroy()
  }

  /** Ends the sending side and destroys the socket once it is done (`net.Socket#destroySoon`). */
  destroySoon(): void {
    if (this.writable) this.end()
    if (this.writableFinished) this.destroy()
    else this.once('finish', () => this.destroy())
  }

  override _destroy(err: Error | null, cb: Callback): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    if (!this.#gone) {
      // Both sides ended cleanly: the engine closes once the last bytes are out.
      const clean = err === null && this.writableFinished && this.readableEnded
      // As net.Socket's close(): what was written still goes out (it is in the
      // kernel's buffer there), then the connection closes; a reset drops it.
      if (this.#reset) this.#reply._reset()
      else if (!clean) this.#reply.writeRaw('', true, false)
    }
    const waiting = this.#waiting
    this.#waiting = null
    waiting?.(err ?? new Error('socket destroyed'))
    cb(err)
  }

  /** @internal More bytes from the peer. */
  _data(chunk: Buffer): void {
    this.#active()
    this.bytesRead += chunk.length
    this.push(chunk)
  }

  /** @internal The peer finished sending. */
  _end(): void {
    this.push(null)
    // As net.Socket at EOF: 'end' comes even if nothing reads (nothing is buffered).
    this.read(0)
  }

  /** @internal The engine's buffer drained. */
  _drained(): void {
    const waiting = this.#waiting
    this.#waiting = null
    waiting?.()
  }

  /** @internal The connection closed. */
  _gone(): void {
    this.#gone = true
    this.destroy()
  }

  #active(): void {
    this.#timer?.refresh()
  }
}
