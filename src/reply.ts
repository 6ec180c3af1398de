/**
 * `Reply`: the responder handed to a low-level handler with each request.
 *
 * It writes straight to the engine: `send()` is one crossing for a whole
 * response; `writeHead`/`write`/`end` stream one (chunked unless a
 * Content-Length was given). `writeRaw` is for adapters that frame HTTP
 * themselves, such as node:http's `ServerResponse`.
 */
import { Readable } from 'node:stream'

import { dateHeader, serialiseHeaders, statusLine } from './headers'
import { MgnodeError } from './errors'
import { WriteFlag } from './native'
import type { ConnectionTable } from './connection-table'
import type { ResponseQueue } from './response-queue'
import type { OutgoingHeaders } from './types'

/** Bytes written since the last drain after which `write()` asks the caller to wait. */
export const HIGH_WATER_MARK = 256 * 1024

/** What a reply needs: where to write, and the table of unfinished replies it leaves when done. */
export interface ReplyHost {
  readonly responses: ResponseQueue
  readonly replies: ConnectionTable<Reply>
  /** True once a graceful close began: the engine closes connections after their response. */
  readonly closing: boolean
}

/**
 * Hears what a reply sent, for an access log of handlers that answer through
 * `send()`/`writeHead()` (fetch apps, `Manager` handlers). Set only while a log
 * is on: a reply without one does a null check and nothing more.
 */
export interface ReplyTap {
  /** The status line went out; `contentLength` is -1 when the head declared none (chunked, or until close). */
  _head(status: number, contentLength: number): void
  /** The response ended; `aborted` when it was cut short (client gone, `abort()`, shutdown). */
  _end(aborted: boolean): void
}

/** Receives a reply's drain and close notifications, and a streamed body's or upgraded stream's bytes. */
export interface ReplyObserver {
  _drained(): void
  _gone(): void
  /** More bytes; `Reply.ackRead()` once they are read lets the engine read on. */
  _data?(chunk: Buffer): void
  /** The body is complete, or the upgraded stream's peer finished sending. */
  _end?(): void
}

/**
 * A streamed request body (`EngineRequest.bodyStream`): a Readable that lets
 * the engine read on as it is read.
 */
class BodyStream extends Readable {
  #reply: Reply

  constructor(reply: Reply) {
    super()
    this.#reply = reply
  }

  override _read(): void {
    this.#reply.ackRead()
  }
}

const enum State {
  Fresh,
  Streaming,
  Finished,
}

function byteLength(chunk: string | Uint8Array): number {
  return typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength
}

export class Reply {
  /** Mongoose connection id of the request. */
  readonly connId: number
  /** Called once the engine's buffer drained after a write returned false. */
  ondrain: (() => void) | null = null
  /** Called once if the exchange is cut short: the client went away, `abort()`, or shutdown. */
  onclose: ((aborted: boolean) => void) | null = null
  /** Like `ondrain`/`onclose`, for adapters that own one object per exchange (no closures). */
  observer: ReplyObserver | null = null
  /** Reason phrase for the status line (`HTTP/1.1 200 Fine`); the standard one when unset. */
  statusMessage: string | undefined = undefined
  /** Told of the status and the end of the response (access logs). @internal */
  tap: ReplyTap | null = null

  #host: ReplyHost
  #isHead: boolean
  #keepAlive: boolean
  #http10: boolean
  #state = State.Fresh
  #aborted = false
  #chunked = false
  #pending = 0
  #drainWaiters: Array<() => void> | null = null
  /** Raw bytes both ways: the request upgraded the connection. */
  #raw = false
  /** Bytes of a streamed body or upgraded stream received, and how many of them were acknowledged. */
  #received = 0
  #acked = 0
  #body: BodyStream | null = null
  /** Parts that came before anything took the body. */
  #early: Buffer[] | null = null
  #earlyEnd = false

  constructor(host: ReplyHost, connId: number, isHead: boolean, keepAlive: boolean, http10: boolean) {
    this.#host = host
    this.connId = connId
    this.#isHead = isHead
    this.#keepAlive = keepAlive
    this.#http10 = http10
  }
  /**
   * What the TLS handshake of this request's connection settled (protocol,
   * cipher, ALPN, server name, resumption, the client's certificates); null
   * on plain connections and once the connection has closed.
   */
  tlsSession(): ReturnType<ResponseQueue['native']['tlsSession']> {
    return this.#host.responses.native.tlsSession(this.connId)
  }


  /** True once the response ended, was aborted, or the client went away. */
  get finished(): boolean {
    return this.#state === State.Finished
  }

  /** True if the client went away (or `abort()` ran) before the response ended. */
  get aborted(): boolean {
    return this.#aborted
  }

  /** True once a status line has been written. */
  get headersSent(): boolean {
    return this.#state !== State.Fresh
  }

  /**
   * Sends a whole response with a Content-Length, in one crossing to the engine.
   *
   * ```js
   * reply.send(200, { 'content-type': 'application/json' }, JSON.stringify(data))
   * ```
   */
  send(status: number, headers?: OutgoingHeaders, body?: string | Uint8Array): void {
    if (this.#ended('send')) return
    if (this.#keepAlive && this.#host.closing) this.#keepAlive = false
    const user = serialiseHeaders(headers, true)
    let flags = WriteFlag.End
    let head = statusLine(status, this.statusMessage) + dateHeader() + user.text
    if (user.close) {
      // The handler's own `Connection: close`: honour it rather than add a second one.
      this.#keepAlive = false
      flags |= WriteFlag.Close
    } else if (!this.#keepAlive) {
      head += 'Connection: close\r\n'
      flags |= WriteFlag.Close
    } else if (this.#http10) {
      head += 'Connection: keep-alive\r\n'
    }
    const bodyless = status === 204 || status === 304 || (status >= 100 && status < 200)
    const length = bodyless ? -1 : body === undefined ? 0 : byteLength(body)
    if (!bodyless) head += 'Content-Length: ' + length + '\r\n'
    head += '\r\n'
    if (this.tap !== null) this.tap._head(status, length)
    this.#finish()
    const queue = this.#host.responses
    if (body === undefined || this.#isHead || bodyless) {
      queue.writeString(this.connId, head, flags)
    } else if (typeof body === 'string') {
      queue.writeString(this.connId, head + body, flags)
    } else {
      queue.respond(this.connId, head, body, flags)
    }
  }

  /** Starts a streamed response. Without a Content-Length header the body is chunked. */
  writeHead(status: number, headers?: OutgoingHeaders): void {
    if (this.#ended('writeHead')) return
    if (this.#state !== State.Fresh) {
      throw new MgnodeError('ERR_HTTP_HEADERS_SENT', 'Cannot write headers after they are sent')
    }
    if (this.#keepAlive && this.#host.closing) this.#keepAlive = false
    const user = serialiseHeaders(headers, false)
    let head = statusLine(status, this.statusMessage) + dateHeader() + user.text
    let flags = 0
    if (user.close) this.#keepAlive = false
    const bodyless = this.#isHead || status === 204 || status === 304
    if (user.contentLength < 0 && !bodyless) {
      if (this.#keepAlive && !this.#http10) {
        head += 'Transfer-Encoding: chunked\r\n'
        this.#chunked = true
      } else {
        // HTTP/1.0 or closing: the end of the body is the end of the connection.
        if (!user.close) head += 'Connection: close\r\n'
        this.#keepAlive = false
      }
    } else if (!this.#keepAlive) {
      if (!user.close) head += 'Connection: close\r\n'
    } else if (this.#http10) {
      head += 'Connection: keep-alive\r\n'
    }
    if (!this.#keepAlive) flags |= WriteFlag.Close
    this.#state = State.Streaming
    if (this.tap !== null) this.tap._head(status, user.contentLength)
    this.#host.responses.writeString(this.connId, head + '\r\n', flags)
  }

  /**
   * Writes part of a streamed body. Returns false when the caller should wait
   * for `drain()` (or `ondrain`) before writing more.
   */
  write(chunk: string | Uint8Array): boolean {
    if (this.#ended('write')) return false
    if (this.#state === State.Fresh) this.writeHead(200)
    if (this.#isHead) return true
    return this.#push(chunk, this.#chunked ? WriteFlag.Chunked : 0)
  }

  /** Ends a streamed response, optionally with a last chunk. */
  end(chunk?: string | Uint8Array): void {
    if (this.#ended('end')) return
    if (this.#state === State.Fresh) {
      this.send(200, undefined, chunk)
      return
    }
    let flags = WriteFlag.End | (this.#chunked ? WriteFlag.Chunked : 0)
    if (!this.#keepAlive) flags |= WriteFlag.Close
    this.#finish()
    const data = chunk === undefined || this.#isHead ? '' : chunk
    this.#host.responses.write(this.connId, data, flags)
  }

  /**
   * Sends bytes exactly as given; the caller frames the HTTP. `end` finishes the
   * response; `keepAlive: false` closes the connection once it is flushed.
   * `tail`, if given, follows `data` in the same crossing (a head and its body
   * without joining them in JavaScript first).
   */
  writeRaw(data: string | Uint8Array, end: boolean, keepAlive = true, tail?: Uint8Array): boolean {
    if (this.#ended('writeRaw')) return false
    if (this.#raw) return this.#writeStream(data, end, end && !keepAlive)
    let flags = 0
    if (end) flags |= WriteFlag.End
    if (!keepAlive || (end && !this.#keepAlive)) flags |= WriteFlag.Close
    if (end) this.#finish()
    else this.#state = State.Streaming
    if (tail !== undefined && typeof data === 'string') {
      return this.#pushParts(data, tail, flags, end)
    }
    if (end) {
      this.#host.responses.write(this.connId, data, flags)
      return true
    }
    return this.#push(data, flags)
  }

  /**
   * Ends the response with `length` bytes of the file at `path` from `offset`,
   * read and sent by the engine (no file bytes pass through JavaScript). The
   * head, with its Content-Length, must already have been written.
   */
  sendFileBody(path: string, offset: number, length: number, keepAlive = true): void {
    if (this.#ended('sendFileBody')) return
    let flags = WriteFlag.End
    if (!keepAlive || !this.#keepAlive) flags |= WriteFlag.Close
    this.#finish()
    this.#host.responses.sendFile(this.connId, path, offset, length, flags)
  }

  /** Drops the connection without completing the response. */
  abort(): void {
    if (this.#state === State.Finished) return
    this.#host.responses.abort(this.connId)
    this.#closed()
  }

  /** Closes the connection at once with a TCP reset (`resetAndDestroy()`), whatever it was doing. @internal */
  _reset(): void {
    this.#host.responses.reset(this.connId)
    if (this.#state !== State.Finished) this.#closed()
  }

  /**
   * Closes the connection once this response has gone out; for an unfinished
   * one, the same as `abort()`. For node:http's `socket.destroy()` between
   * requests. @internal
   */
  _closeConnection(): void {
    if (this.#state === State.Finished) this.#host.responses.abort(this.connId)
    else this.abort()
  }

  /**
   * Tells the engine everything received so far has been read, so it reads
   * on (it stops while 256 KiB are unread). Readers of a streamed body or an
   * upgraded stream call it as they consume.
   */
  ackRead(): void {
    const unread = this.#received - this.#acked
    if (unread <= 0) return
    this.#acked = this.#received
    this.#host.responses.ack(this.connId, unread)
  }

  /**
   * @internal The request upgraded the connection: from now on it carries
   * raw bytes both ways; `head` bytes came with the request (unread).
   */
  _upgraded(head: number): void {
    this.#raw = true
    this.#state = State.Streaming
    this.#received = head
  }

  /** @internal The body streams; `first` bytes of it came with the request (the engine counts them unread). */
  _streamed(first: number): void {
    this.#received = first
  }

  /** @internal The streamed body as a Readable (one per reply), starting with what came with the head. */
  _openBody(first: Buffer): Readable {
    if (this.#body !== null) return this.#body
    const body = new BodyStream(this)
    this.#body = body
    if (first.length > 0) body.push(first)
    for (const chunk of this.#early ?? []) body.push(chunk)
    this.#early = null
    if (this.#earlyEnd) body.push(null)
    return body
  }

  /** @internal More of the streamed body or upgraded stream. */
  _data(chunk: Buffer): void {
    this.#received += chunk.length
    const observer = this.observer
    if (observer?._data !== undefined) observer._data(chunk)
    else if (this.#body !== null) this.#body.push(chunk)
    // Kept (unread, so the engine stops at its budget) for a body stream opened later.
    else (this.#early ??= []).push(chunk)
  }

  /** @internal The body is complete, or the upgraded stream's peer finished sending. */
  _end(): void {
    const observer = this.observer
    if (observer?._end !== undefined) observer._end()
    else if (this.#body !== null) this.#body.push(null)
    else this.#earlyEnd = true
  }

  /** Resolves when the engine's send buffer has drained (at once if nothing waits). */
  drain(): Promise<void> {
    if (this.#drainWaiters === null) return Promise.resolve()
    return new Promise((resolve) => this.#drainWaiters?.push(resolve))
  }

  /** @internal The engine reported the send buffer drained. */
  _drained(): void {
    this.#pending = 0
    const waiters = this.#drainWaiters
    this.#drainWaiters = null
    if (waiters !== null) for (const w of waiters) w()
    this.ondrain?.()
    this.observer?._drained()
  }

  /**
   * @internal The client finished sending while this response was unwritten:
   * as node:http does, the request counts as aborted and the connection closes.
   */
  _hangup(): void {
    this.abort()
  }

  /** @internal The connection closed before the response ended. */
  _clientGone(): void {
    if (this.#state !== State.Finished) this.#closed()
  }

  /**
   * On an upgraded connection: bytes as they are; `end` shuts the sending
   * side once they are out, `close` closes the connection then instead.
   */
  #writeStream(data: string | Uint8Array, end: boolean, close: boolean): boolean {
    if (end) {
      this.#host.responses.write(this.connId, data, close ? WriteFlag.End | WriteFlag.Close : WriteFlag.End)
      return true
    }
    return this.#push(data, 0)
  }

  #push(chunk: string | Uint8Array, flags: number): boolean {
    const size = byteLength(chunk)
    this.#pending += size
    const wait = this.#pending >= HIGH_WATER_MARK
    if (wait && this.#drainWaiters === null) {
      flags |= WriteFlag.WantDrain
      this.#drainWaiters = []
    }
    this.#host.responses.write(this.connId, chunk, flags)
    return !wait
  }

  /** A string head and a byte body in one crossing (`respond` takes both). */
  #pushParts(head: string, body: Uint8Array, flags: number, end: boolean): boolean {
    if (end) {
      this.#host.responses.respond(this.connId, head, body, flags)
      return true
    }
    this.#pending += head.length + body.byteLength
    const wait = this.#pending >= HIGH_WATER_MARK
    if (wait && this.#drainWaiters === null) {
      flags |= WriteFlag.WantDrain
      this.#drainWaiters = []
    }
    this.#host.responses.respond(this.connId, head, body, flags)
    return !wait
  }

  #finish(): void {
    this.#state = State.Finished
    this.#host.replies.remove(this)
    if (this.tap !== null) this.tap._end(this.#aborted)
  }

  #closed(): void {
    this.#aborted = true
    this.#finish()
    const body = this.#body
    if (body !== null && !body.readableEnded) {
      // As node:http's request: an error only for whoever listens for one.
      body.destroy(body.listenerCount('error') > 0 ? Object.assign(new Error('aborted'), { code: 'ECONNRESET' }) : undefined)
    }
    const waiters = this.#drainWaiters
    this.#drainWaiters = null
    if (waiters !== null) for (const w of waiters) w()
    this.onclose?.(true)
    this.observer?._gone()
  }

  /** After an abort, writes are ignored; after a normal end they are a bug. */
  #ended(what: string): boolean {
    if (this.#state !== State.Finished) return false
    if (this.#aborted) return true
    throw new MgnodeError('ERR_STREAM_WRITE_AFTER_END', `${what}() after the response ended`)
  }
}
