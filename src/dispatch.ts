/**
 * `Dispatcher`: turns the engine's event batches into handler calls on
 * one JavaScript thread, and routes drain/close events to their replies.
 */
import { AsyncResource } from 'node:async_hooks'
import type { Readable } from 'node:stream'

import type { CloseSignal } from './close-signal'
import { EventKind, REQUEST_FIXED_NUMBERS, RequestFlag } from './native'
import type { EventBatch, NativeEventSink, NativeResponder } from './native'
import { ConnectionTable } from './connection-table'
import { ResponseQueue } from './response-queue'
import { Reply } from './reply'
import type { ReplyHost } from './reply'
import type { EngineRequest } from './types'

/** A low-level request handler. Throwing (or rejecting) answers 500. */
export type Handler = (req: EngineRequest, reply: Reply) => unknown

/**
 * A handler that keeps something per connection (node:http's socket) and
 * is told when a connection it served is gone: closed, or, with workers,
 * moved on to another thread.
 */
export interface ConnectionHandler extends Handler {
  connectionGone(connId: number): void
  /**
   * A graceful close began: responses whose head is not written yet must
   * not promise keep-alive (for adapters that write heads themselves).
   */
  closing?(): void
  /** A connection over the listener's `maxConnections` was closed at accept (node:http's `'drop'`). */
  dropped?(info: DroppedConnection): void
}

/** What node:http's `'drop'` event carries: both ends of a connection refused for `maxConnections`. */
export interface DroppedConnection {
  localAddress: string
  localPort: number
  localFamily: string
  remoteAddress: string
  remotePort: number
  remoteFamily: string
}

const family = (address: string): string => (address.includes(':') ? 'IPv6' : 'IPv4')

function isConnectionHandler(handler: Handler): handler is ConnectionHandler {
  return typeof (handler as Partial<ConnectionHandler>).connectionGone === 'function'
}

const EMPTY = Buffer.alloc(0)
/**
 * Responses are handed to the engine after this many requests of a batch, so
 * that it writes the first ones while JavaScript works on the rest instead of
 * waiting for the whole batch (measured: 8 beats 4 and 16 on hello world).
 */
const FLUSH_EVERY = 8


/** A request as handed to low-level handlers, read from one event of a batch. */
class IncomingRequest implements EngineRequest {
  connId: number
  method: string
  url: string
  httpVersion: string
  rawHeaders: string[]
  body: Buffer
  remoteAddress: string
  remotePort: number
  localAddress: string
  localPort: number
  tls: boolean
  keepAlive: boolean
  streamed: boolean
  upgrade: boolean
  /** The app answers the request's `Expect` (`RequestFlag.CheckContinue` / `CheckExpectation`), or 0. */
  _expect: number
  /** The reply, for a streamed body's stream. */
  _reply: Reply | null = null

  constructor(reader: BatchReader, at: number) {
    const n = reader.numbers
    this.connId = n[at + 1]
    this.httpVersion = n[at + 2] === 0 ? '1.0' : '1.1'
    const flags = n[at + 3]
    this.remotePort = n[at + 4]
    this.localPort = n[at + 5]
    const body = n[at + 6]
    this.body = body < 0 ? EMPTY : (reader.batch[2 + body] as Buffer)
    const fields = n[at + 7] * 2
    this.method = reader.text(at + 8)
    this.url = reader.text(at + 9)
    this.remoteAddress = reader.text(at + 10)
    this.localAddress = reader.text(at + 11)
    const raw: string[] = new Array(fields)
    for (let k = 0; k < fields; k++) raw[k] = reader.text(at + REQUEST_FIXED_NUMBERS + k)
    this.rawHeaders = raw
    this.tls = (flags & RequestFlag.Tls) !== 0
    this.keepAlive = (flags & RequestFlag.KeepAlive) !== 0
    this.streamed = (flags & RequestFlag.Streamed) !== 0
    this.upgrade = (flags & RequestFlag.Upgrade) !== 0
    this._expect = flags & (RequestFlag.CheckContinue | RequestFlag.CheckExpectation)
  }

  /** Made on first use: the node:http layer reads the body through its socket instead. */
  get bodyStream(): Readable | null {
    return this.streamed && this._reply !== null ? this._reply._openBody(this.body) : null
  }
}

/** Walks a batch's text: each field's length is a number, fields follow each other. */
class BatchReader {
  readonly batch: EventBatch
  readonly numbers: Float64Array
  #text: string
  #offset = 0

  constructor(batch: EventBatch) {
    this.batch = batch
    this.#text = batch[0]
    this.numbers = batch[1]
  }

  /** The next text field, whose length is the number at `lengthAt`. */
  text(lengthAt: number): string {
    const start = this.#offset
    this.#offset = start + this.numbers[lengthAt]
    return this.#text.slice(start, this.#offset)
  }
}

function reportHandlerError(err: unknown, reply: Reply): void {
  console.error(err)
  if (reply.finished) return
  if (reply.headersSent) reply.abort()
  else reply.send(500, { 'content-type': 'text/plain; charset=utf-8' }, 'Internal Server Error')
}

/** Kept so the allocation in `weighBodies` is not optimised away. */
let bodyWeight: ArrayBuffer | null = null

/**
 * Has V8 weigh the request bodies of a batch as it weighs its own buffers.
 * Bodies are Buffers over engine memory; V8 counts them, but only acts on
 * that when it allocates a buffer itself: if young buffers then hold more
 * than twice the default semi-space, it runs a young-generation GC first.
 * An app that allocates little JavaScript per request (the Manager API
 * echoing 64 KiB bodies) otherwise frees bodies only when the external
 * memory limit (64 MB) forces a full GC, and its peak RSS climbs well past
 * node:http's. One small allocation per batch with bodies brings that check in
 * (bench/README.md, "Design measurements").
 */
function weighBodies(): void {
  bodyWeight = new ArrayBuffer(1)
}

function hangUp(reply: Reply): void {
  reply._hangup()
}

function takeAgain(dispatcher: Dispatcher, sink: NativeEventSink): void {
  dispatcher.takeFrom(sink)
}

export class Dispatcher implements ReplyHost {
  readonly replies = new ConnectionTable<Reply>()
  readonly responses: ResponseQueue
  #handler: Handler
  #connectionGone: ((connId: number) => void) | null
  #onClosing: (() => void) | null
  #onDropped: ((info: DroppedConnection) => void) | null
  /** Set by `beginClosing()` on this thread. */
  #closing = false
  /** Raised by the thread that closes the server, which may be another one. */
  #signal: CloseSignal | null
  /** Requests handed to the handler so far. */
  #dispatched = 0
  #onFirstAnswer: (() => void) | null = null
  /** The batch being dispatched, and where in it. */
  #reader: BatchReader | null = null
  #at = 0
  #served = 0
  /**
   * Goes on with the batch. Both are bound to the async context `listen()` ran
   * in, as node:http's requests are: the engine's callback carries no context
   * of its own (with Node 24's AsyncContextFrame it would carry whatever frame
   * was current when it was made).
   */
  #resume = AsyncResource.bind(() => this.#continue(true))
  #run = AsyncResource.bind((wait: boolean) => this.#continue(wait))

  constructor(responder: NativeResponder, handler: Handler, signal: CloseSignal | null = null) {
    this.responses = new ResponseQueue(responder)
    this.#handler = handler
    this.#signal = signal
    const connections = isConnectionHandler(handler) ? handler : null
    this.#connectionGone = connections?.connectionGone ?? null
    this.#onClosing = connections?.closing?.bind(connections) ?? null
    this.#onDropped = connections?.dropped?.bind(connections) ?? null
  }

  /** True once a graceful close began: responses written from now on close their connection. */
  get closing(): boolean {
    return this.#closing || (this.#signal !== null && this.#signal.raised)
  }

  /**
   * A graceful close began: what is written from now on says
   * `Connection: close`, including the heads of responses in flight.
   */
  beginClosing(): void {
    if (this.#closing) return
    this.#closing = true
    this.#onClosing?.()
  }

  /**
   * Calls `cb` once, at the first batch after a request this dispatcher
   * handed out was answered (or its client left): checked per batch, so the
   * requests themselves pay nothing for it.
   */
  onFirstAnswer(cb: () => void): void {
    this.#onFirstAnswer = cb
  }

  /**
   * Handles what a sink holds after it rang: one batch now, then another in
   * `setImmediate` until a take finds the sink empty. Until then the engine
   * does not ring again (a ring costs its thread a system call), and between
   * batches the microtasks of the last one run and timers and I/O get their
   * turn, so a batch's requests die young instead of piling up in the heap.
   *
   * Responses cross to the engine in groups, each waking it once, rather
   * than one by one (see `ResponseQueue`): those written synchronously every
   * `FLUSH_EVERY` requests and at the end of the batch, those written in the
   * microtasks of async handlers (Koa, Fastify) when the turn ends.
   *
   * A handler that returns a promise is let finish before the next request
   * of the batch is handed out, as on node:http each request runs to the end
   * of its microtasks before the next socket's data is read; one still
   * waiting (on I/O) when the turn ends no longer holds up the rest. A batch's
   * requests are then not all alive at once, and the young generation stays
   * small (peak RSS of Koa and Fastify: bench/README.md, "Design measurements").
   */
  takeFrom(sink: NativeEventSink): void {
    // Every request handed out is in `replies` until it is answered.
    if (this.#onFirstAnswer !== null && this.#dispatched > this.replies.size) {
      const cb = this.#onFirstAnswer
      this.#onFirstAnswer = null
      cb()
    }
    // What is left of the last batch goes now, without waiting for handlers.
    this.#run(false)
    this.responses.release()
    const batch = sink.takeEvents() as EventBatch | null
    if (batch === null) return
    // Bodies follow the batch's text and numbers.
    if (batch.length > 2) weighBodies()
    this.responses.hold()
    setImmediate(takeAgain, this, sink)
    this.#reader = new BatchReader(batch)
    this.#at = 0
    this.#served = 0
    this.#run(true)
  }

  /**
   * Dispatches the current batch from where it stopped. With `wait`, stops
   * after a handler that returned a promise, and goes on when it settles.
   */
  #continue(wait: boolean): void {
    const reader = this.#reader
    if (reader === null) return
    const n = reader.numbers
    while (this.#at < n.length) {
      const at = this.#at
      const kind = n[at] as EventKind
      if (kind === EventKind.Request) {
        const req = new IncomingRequest(reader, at)
        this.#at = at + REQUEST_FIXED_NUMBERS + req.rawHeaders.length
        const pending = this.#request(req)
        if (++this.#served % FLUSH_EVERY === 0) this.responses.flush()
        if (wait && pending !== undefined) {
          pending.then(this.#resume, this.#resume)
          return
        }
        continue
      }
      if (kind === EventKind.Drop) {
        this.#dropped(reader, at)
        this.#at = at + 5
        continue
      }
      const connId = n[at + 1]
      const reply = this.replies.get(connId)
      if (kind === EventKind.Data) {
        const body = n[at + 2]
        reply?._data(reader.batch[2 + body] as Buffer)
        this.#at = at + 3
        continue
      }
      if (kind === EventKind.Drain) reply?._drained()
      else if (kind === EventKind.End) reply?._end()
      else if (kind === EventKind.Hangup) {
        // node:http reads the end of the stream after the bytes before it, so a
        // request it ends is aborted only once the handlers of those bytes
        // (a body's 'end', and a response written there) have run. Same turn here.
        if (reply !== undefined) setImmediate(hangUp, reply)
      }
      else {
        reply?._clientGone()
        this.#connectionGone?.(connId)
      }
      this.#at = at + 2
    }
    this.#reader = null
    this.responses.flush()
  }

  #dropped(reader: BatchReader, at: number): void {
    const n = reader.numbers
    const remoteAddress = reader.text(at + 3)
    const localAddress = reader.text(at + 4)
    this.#onDropped?.({
      localAddress,
      localPort: n[at + 2],
      localFamily: family(localAddress),
      remoteAddress,
      remotePort: n[at + 1],
      remoteFamily: family(remoteAddress),
    })
  }

  /** Aborts every unfinished reply. */
  abortAll(): void {
    for (const reply of this.replies.list()) reply.abort()
  }

  /** Tells every unfinished reply its connection is gone (the engine stopped). */
  abandonAll(): void {
    for (const reply of this.replies.list()) reply._clientGone()
  }

  /** Calls the handler; returns the promise it returned, if any, settled only once its errors are handled. */
  #request(req: IncomingRequest): PromiseLike<unknown> | undefined {
    // The engine closes the connection after this response: say so.
    if (req.keepAlive && this.closing) req.keepAlive = false
    const reply = new Reply(this, req.connId, req.method === 'HEAD', req.keepAlive, req.httpVersion === '1.0')
    this.replies.add(reply)
    if (req.upgrade) reply._upgraded(req.body.length)
    else if (req.streamed) {
      req._reply = reply
      reply._streamed(req.body.length)
    }
    this.#dispatched++
    try {
      const result = this.#handler(req, reply) as PromiseLike<unknown> | undefined
      if (result !== undefined && result !== null && typeof result.then === 'function') {
        return result.then(undefined, (err: unknown) => reportHandlerError(err, reply))
      }
    } catch (err) {
      reportHandlerError(err, reply)
    }
    return undefined
  }
}
