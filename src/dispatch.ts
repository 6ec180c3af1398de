/**
 * `Dispatcher`: turns the engine's flat event arrays into handler calls on
 * one JavaScript thread, and routes drain/close events to their replies.
 */
import { EventKind, EventSize, RequestFlag } from './native'
import type { NativeResponder } from './native'
import { Reply } from './reply'
import type { ReplyHost } from './reply'
import type { EngineRequest } from './types'

/** A low-level request handler. Throwing (or rejecting) answers 500. */
export type Handler = (req: EngineRequest, reply: Reply) => unknown

const EMPTY = Buffer.alloc(0)

/** A request as handed to low-level handlers; built from one slice of the engine's flat event array. */
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

  constructor(ev: unknown[], i: number) {
    this.connId = ev[i + 1] as number
    this.method = ev[i + 2] as string
    this.url = ev[i + 3] as string
    this.httpVersion = ev[i + 4] === 0 ? '1.0' : '1.1'
    this.rawHeaders = ev[i + 5] as string[]
    this.body = (ev[i + 6] as Buffer | null) ?? EMPTY
    this.remoteAddress = ev[i + 7] as string
    this.remotePort = ev[i + 8] as number
    this.localAddress = ev[i + 9] as string
    this.localPort = ev[i + 10] as number
    const flags = ev[i + 11] as number
    this.tls = (flags & RequestFlag.Tls) !== 0
    this.keepAlive = (flags & RequestFlag.KeepAlive) !== 0
  }
}

function reportHandlerError(err: unknown, reply: Reply): void {
  console.error(err)
  if (reply.finished) return
  if (reply.headersSent) reply.abort()
  else reply.send(500, { 'content-type': 'text/plain; charset=utf-8' }, 'Internal Server Error')
}

export class Dispatcher implements ReplyHost {
  readonly replies = new Map<number, Reply>()
  readonly responder: NativeResponder
  #handler: Handler

  constructor(responder: NativeResponder, handler: Handler) {
    this.responder = responder
    this.#handler = handler
  }

  /** Handles one batch from `EventSink.takeEvents()`. */
  dispatch(events: unknown[]): void {
    let i = 0
    while (i < events.length) {
      const kind = events[i] as EventKind
      if (kind === EventKind.Request) {
        this.#request(new IncomingRequest(events, i))
        i += EventSize.Request
        continue
      }
      const reply = this.replies.get(events[i + 1] as number)
      if (kind === EventKind.Drain) reply?._drained()
      else reply?._clientGone()
      i += EventSize.Other
    }
  }

  /** Aborts every unfinished reply. */
  abortAll(): void {
    for (const reply of [...this.replies.values()]) reply.abort()
  }

  /** Tells every unfinished reply its connection is gone (the engine stopped). */
  abandonAll(): void {
    for (const reply of [...this.replies.values()]) reply._clientGone()
  }

  #request(req: IncomingRequest): void {
    const reply = new Reply(this, req.connId, req.method === 'HEAD', req.keepAlive, req.httpVersion === '1.0')
    this.replies.set(req.connId, reply)
    try {
      const result = this.#handler(req, reply) as PromiseLike<unknown> | undefined
      if (result !== undefined && result !== null && typeof result.then === 'function') {
        result.then(undefined, (err: unknown) => reportHandlerError(err, reply))
      }
    } catch (err) {
      reportHandlerError(err, reply)
    }
  }
}
