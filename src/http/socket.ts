/**
 * `EngineSocket`: the socket a genuine `http.ServerResponse` writes to.
 *
 * It has the members that node:http's `OutgoingMessage`, Express, Koa,
 * on-finished and friends use on `res.socket` / `req.socket`, and turns writes
 * into engine commands on the current request's `Reply`. As on node:http there
 * is one per connection: the requests of a keep-alive connection share it, and
 * it emits 'close' when the connection closes, even between requests. Writes are batched: nothing
 * crosses to the engine until the response ends, 256 KiB pile up, or the
 * current burst of synchronous writes is over (one microtask for all sockets).
 */
import { EventEmitter } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'

import type { Reply } from '../reply'
import { addTlsMembers } from '../tls/session'
import type { EngineRequest } from '../types'

/** Pending bytes that force a crossing to the engine. */
const BATCH_LIMIT = 256 * 1024

type WriteCallback = (err?: Error | null) => void

/** Sockets with buffered writes, flushed together at the end of the burst. */
let flushQueue: EngineSocket[] = []
let flushScheduled = false

function flushAll(): void {
  const queue = flushQueue
  flushQueue = []
  flushScheduled = false
  for (const socket of queue) socket._flushQueued()
}

function runCallbacks(callbacks: WriteCallback[]): void {
  for (const cb of callbacks) cb()
}

const NON_ASCII = /[^\x00-\x7f]/

/** Above this, parts cross to the engine one by one rather than being joined first. */
const JOIN_LIMIT = 64 * 1024

function toChunk(data: string | Uint8Array, encoding: BufferEncoding | undefined): string | Uint8Array {
  if (typeof data !== 'string') return data
  // The engine encodes strings as UTF-8; node:http writes its headers as
  // latin1, which is the same bytes while the text is ASCII (it nearly always is).
  if (encoding === undefined || encoding === 'utf8' || encoding === 'utf-8') return data
  if ((encoding === 'latin1' || encoding === 'binary' || encoding === 'ascii') && !NON_ASCII.test(data)) return data
  return Buffer.from(data, encoding)
}

/** Tells `OutgoingMessage` it may write again (its flag is private; find it once). */
let needDrainKey: symbol | null | undefined
function clearNeedDrain(res: ServerResponse): void {
  if (needDrainKey === undefined) {
    needDrainKey = Object.getOwnPropertySymbols(res).find((s) => s.description === 'kNeedDrain') ?? null
  }
  if (needDrainKey !== null) (res as unknown as Record<symbol, boolean>)[needDrainKey] = false
}

export class EngineSocket extends EventEmitter {
  /** The engine's id for the connection. @internal */
  readonly connId: number
  readonly remoteAddress: string
  readonly remotePort: number
  readonly remoteFamily: string
  readonly localAddress: string
  readonly localPort: number
  /** Only present on TLS connections, like `tls.TLSSocket#encrypted`. */
  declare encrypted?: boolean
  /** on-finished (Express, Koa) treats a request whose socket is not readable as finished. */
  readable = true
  writable = true
  destroyed = false
  connecting = false
  /** The response currently using this socket (node:http convention). */
  _httpMessage: ServerResponse | null = null
  /** Read by `OutgoingMessage` when it ends a response. */
  readonly _writableState = { corked: 0, length: 0 }
  bytesRead: number
  bytesWritten = 0
  /** A file the engine sends after the head, set by `sendFile`. @internal */
  _fileBody: { path: string; offset: number; length: number } | null = null
  timeout = 0
  /** Requests this connection has carried (for `maxRequestsPerSocket`). @internal */
  _requests = 0
  /** The server that accepted the connection, as `net.Socket#server`. */
  server: object | null = null
  /** The request whose body is still streaming in, if any. @internal */
  _incoming: IncomingMessage | null = null

  #reply: Reply
  #pending: Array<string | Uint8Array> = []
  #pendingBytes = 0
  #callbacks: WriteCallback[] = []
  #queued = false
  #ended = false
  /** The engine asked us to wait for a drain; write() says so until it comes, as net.Socket does. */
  #needDrain = false

  constructor(req: EngineRequest, reply: Reply) {
    super()
    this.connId = req.connId
    this.#reply = reply
    this.remoteAddress = req.remoteAddress
    this.remotePort = req.remotePort
    this.remoteFamily = req.remoteAddress.includes(':') ? 'IPv6' : 'IPv4'
    this.localAddress = req.localAddress
    this.localPort = req.localPort
    this.bytesRead = req.body.length
    if (req.tls) {
      this.encrypted = true
      addTlsMembers(this, reply)
    }
  }

  /**
   * Takes the connection's next request: the state of one response starts
   * afresh (the last one ended: its bytes and callbacks are gone). @internal
   */
  _attach(req: EngineRequest, reply: Reply): void {
    this.#reply = reply
    this.#ended = false
    this.#needDrain = false
    this._fileBody = null
    this._incoming = null
    this._writableState.corked = 0
    this.bytesRead += req.body.length
  }

  get writableLength(): number {
    return this.#pendingBytes
  }

  get writableHighWaterMark(): number {
    return BATCH_LIMIT
  }

  get writableEnded(): boolean {
    return this.#ended
  }

  get writableFinished(): boolean {
    return this.#ended
  }

  get pending(): boolean {
    return false
  }

  get readyState(): string {
    return this.destroyed ? 'closed' : 'open'
  }

  address(): { address: string; family: string; port: number } {
    return { address: this.localAddress, family: this.localAddress.includes(':') ? 'IPv6' : 'IPv4', port: this.localPort }
  }

  write(data: string | Uint8Array, encoding?: BufferEncoding | WriteCallback, cb?: WriteCallback): boolean {
    if (typeof encoding === 'function') {
      cb = encoding
      encoding = undefined
    }
    if (this.destroyed || this.#ended) {
      if (cb) process.nextTick(cb, new Error('write after the connection closed'))
      return false
    }
    const chunk = toChunk(data, encoding)
    const size = typeof chunk === 'string' ? chunk.length : chunk.byteLength
    if (size > 0) {
      this.#pending.push(chunk)
      this.#pendingBytes += size
    }
    if (cb) this.#callbacks.push(cb)
    this._writableState.length = this.#pendingBytes
    if (this.#pendingBytes >= BATCH_LIMIT) return this._flush(false)
    if (this._writableState.corked === 0) this.#schedule()
    // Not just the flushing write: a chunked res.write() returns what its last
    // small write (the chunk's CRLF) returned, so the state must persist.
    return !this.#needDrain
  }

  cork(): void {
    this._writableState.corked++
  }

  uncork(): void {
    if (this._writableState.corked > 0) this._writableState.corked--
    if (this._writableState.corked === 0 && this.#pending.length > 0) this.#schedule()
  }

  /**
   * Sends what is buffered. With `end`, the response is complete and the
   * connection stays open unless `keepAlive` is false.
   * @internal
   */
  _flush(end: boolean, keepAlive = true): boolean {
    if (this.#ended || this.destroyed) return false
    const pending = this.#pending
    let data: string | Uint8Array
    // A string head and one byte body (the usual `res.end(buffer)`) cross as they are.
    let tail: Uint8Array | undefined
    if (pending.length === 0) data = ''
    else if (pending.length === 1) data = pending[0]
    else if (pending.length === 2 && typeof pending[0] === 'string' && typeof pending[1] !== 'string') {
      data = pending[0]
      tail = pending[1]
    } else if (pending.every((c) => typeof c === 'string')) data = pending.join('')
    else if (this.#pendingBytes > JOIN_LIMIT && this._fileBody === null) {
      // Joining would copy every large body once more on this thread.
      const last = pending.pop() as string | Uint8Array
      for (const part of pending) this.#reply.writeRaw(part, false)
      data = last
    } else data = Buffer.concat(pending.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)))
    this.#pending = []
    this.bytesWritten += this.#pendingBytes
    this.#pendingBytes = 0
    this._writableState.length = 0
    if (end) this.#ended = true
    const file = end ? this._fileBody : null
    let ok: boolean
    if (file !== null) {
      this.#reply.writeRaw(data, false, true, tail)
      this.#reply.sendFileBody(file.path, file.offset, file.length, keepAlive)
      this.bytesWritten += file.length
      ok = true
    } else {
      ok = data === '' && !end ? true : this.#reply.writeRaw(data, end, keepAlive, tail)
    }
    if (!ok && !end) this.#needDrain = true
    const callbacks = this.#callbacks
    if (callbacks.length > 0) {
      this.#callbacks = []
      process.nextTick(runCallbacks, callbacks)
    }
    return ok
  }

  /** More of the current request's streamed body. @internal */
  _data(chunk: Buffer): void {
    const req = this._incoming
    this.bytesRead += chunk.length
    // As node:http's parser: the request's stream buffers it, and the engine
    // reads on when the app has read (IncomingMessage's _read resumes us).
    if (req !== null && !req.destroyed) req.push(chunk)
    else this.#reply.ackRead()
  }

  /** The streamed body is complete. @internal */
  _end(): void {
    const req = this._incoming
    this._incoming = null
    if (req === null || req.destroyed) return
    req.complete = true
    req.push(null)
  }

  /** The engine's send buffer drained: let the response write again. @internal */
  _drained(): void {
    this.#needDrain = false
    const res = this._httpMessage
    this.emit('drain')
    if (res !== null && !res.writableEnded) {
      clearNeedDrain(res)
      res.emit('drain')
    }
  }

  /**
   * The connection is gone: the client left, the response was aborted, or it
   * closed between requests (`hadError` false then, as for a clean close). @internal
   */
  _gone(hadError = true): void {
    if (this.destroyed) return
    this.#markGone()
    this.emit('end')
    this.emit('close', hadError)
  }

  #markGone(): void {
    this.destroyed = true
    this.writable = false
    this.readable = false
    const callbacks = this.#callbacks
    this.#callbacks = []
    this.#pending = []
    for (const cb of callbacks) process.nextTick(cb, new Error('socket hang up'))
  }

  setTimeout(ms: number, cb?: () => void): this {
    this.timeout = ms
    if (cb) this.once('timeout', cb)
    return this
  }

  setNoDelay(): this {
    return this
  }

  setKeepAlive(): this {
    return this
  }

  setEncoding(): this {
    return this
  }

  /** node:http pauses the socket when a request's buffer is full; the engine's read budget does that. */
  pause(): this {
    return this
  }

  /** node:http resumes the socket when the app reads the request: the engine may read on. */
  resume(): this {
    this.#reply.ackRead()
    return this
  }

  ref(): this {
    return this
  }

  unref(): this {
    return this
  }

  end(data?: string | Uint8Array | (() => void), encoding?: BufferEncoding | (() => void), cb?: () => void): this {
    if (typeof data === 'function') cb = data as () => void
    else if (data !== undefined) this.write(data, typeof encoding === 'string' ? encoding : undefined)
    if (typeof encoding === 'function') cb = encoding
    if (!this.destroyed) {
      // Between requests there is no response to end: the connection closes.
      if (this.#ended) this.#reply._closeConnection()
      else this._flush(true, false)
    }
    if (cb) process.nextTick(cb)
    return this
  }

  /** Ends the response soon: node:http calls it for a last response. */
  destroySoon(): void {
    this.end()
  }

  destroy(err?: Error): this {
    if (this.destroyed) return this
    // Cuts an unfinished response short; between requests, closes once the last is out.
    this.#ended = true
    // Destroyed at once (the engine's own report of the close finds it so)...
    this.#markGone()
    this.#reply._closeConnection()
    // ...and, as net.Socket, 'error' (with err) then 'close' on the next
    // tick, so helpers that listen for whichever comes first (on-finished)
    // see the error. Without an 'error' listener, err is not thrown.
    process.nextTick(() => {
      if (err && this.listenerCount('error') > 0) this.emit('error', err)
      this.emit('close', err !== undefined)
    })
    return this
  }

  #schedule(): void {
    if (this.#queued) return
    this.#queued = true
    flushQueue.push(this)
    if (!flushScheduled) {
      flushScheduled = true
      queueMicrotask(flushAll)
    }
  }

  /** @internal called by the flush queue. */
  _flushQueued(): void {
    this.#queued = false
    this._flush(false)
  }
}
