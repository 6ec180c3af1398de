/**
 * `Manager`: the low-level API. One Mongoose thread, any number of listeners,
 * a plain request object and a `Reply` per request.
 */
import { listenError, MgnodeError } from './errors'
import { binding, EventKind, EventSize, RequestFlag } from './native'
import type { NativeEventSink, NativeManager } from './native'
import { Reply } from './reply'
import { checkTls } from './tls'
import type { ReplyHost } from './reply'
import type { EngineRequest, ListenerInfo, ListenOptions } from './types'

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

/** Managers with open listeners stay reachable, as a listening node:http server does. */
const live = new Set<Manager>()

function parseUrl(url: string): { host: string; port: number; tls: boolean } {
  const match = /^(https?):\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(url)
  if (!match) {
    throw new MgnodeError('ERR_INVALID_URL', `Invalid listen URL "${url}": expected http://host:port or https://host:port`)
  }
  return { host: match[2].replace(/^\[|\]$/g, ''), port: Number(match[3]), tls: match[1] === 'https' }
}

function reportHandlerError(err: unknown, reply: Reply): void {
  console.error(err)
  if (reply.finished) return
  if (reply.headersSent) reply.abort()
  else reply.send(500, { 'content-type': 'text/plain; charset=utf-8' }, 'Internal Server Error')
}

/**
 * Owns a Mongoose event loop on its own native thread.
 *
 * ```js
 * const { Manager } = require('mgnode')
 * const mgr = new Manager()
 * const { localAddr } = await mgr.listen('http://127.0.0.1:0', (req, reply) => {
 *   reply.send(200, { 'content-type': 'text/plain' }, 'hello world\n')
 * })
 * console.log('port', localAddr[1])
 * await mgr.close()
 * ```
 */
export class Manager implements ReplyHost {
  /** @internal */
  readonly native: NativeManager
  /** @internal Replies whose response has not ended, by connection id. */
  readonly replies = new Map<number, Reply>()
  #sinks = new Map<number, NativeEventSink>()
  #closing: Promise<void> | null = null

  constructor() {
    this.native = new binding.Manager()
  }

  /**
   * Listens on `url` (`http://host:port`, `https://host:port`, `[::1]` for IPv6;
   * port 0 picks a free port) and calls `handler` for every request.
   */
  async listen(url: string, handler: Handler, options: ListenOptions = {}): Promise<ListenerInfo> {
    if (this.#closing) throw new MgnodeError('ERR_SERVER_CLOSED', 'Manager is closed')
    if (typeof handler !== 'function') throw new MgnodeError('ERR_INVALID_ARG_TYPE', 'handler must be a function')
    const { host, port, tls } = parseUrl(url)
    if (tls && !options.tls) {
      throw new MgnodeError('ERR_MGNODE_TLS', 'https:// listeners need options.tls with cert and key')
    }
    const material = tls && options.tls ? checkTls(options.tls) : undefined
    const holder: { sink: NativeEventSink | null } = { sink: null }
    let sink: NativeEventSink
    try {
      sink = this.native.listen(
        url,
        {
          maxBodySize: options.maxBodySize,
          maxHeaderSize: options.maxHeaderSize,
          maxHeaders: options.maxHeaders,
          headersTimeout: options.headersTimeout,
          requestTimeout: options.requestTimeout,
          keepAliveTimeout: options.keepAliveTimeout,
          streamTimeout: options.streamTimeout,
          tlsCert: material?.cert,
          tlsKey: material?.key,
        },
        () => {
          if (holder.sink !== null) this.#dispatch(holder.sink.takeEvents(), handler)
        },
      )
    } catch (err) {
      throw listenError(err, host, port)
    }
    holder.sink = sink
    this.#sinks.set(sink.listenerId, sink)
    live.add(this)
    return { id: sink.listenerId, url, localAddr: [sink.host || host, sink.port] }
  }

  /** Stops accepting on one listener; its in-flight requests still finish. */
  async closeListener(id: number): Promise<void> {
    if (!this.#sinks.delete(id)) return
    this.native.closeListener(id)
    if (this.#sinks.size === 0) live.delete(this)
  }

  /**
   * Stops every listener, lets in-flight requests finish for up to `graceMs`,
   * closes the remaining connections and stops the native thread.
   */
  close(graceMs = 5000): Promise<void> {
    if (this.#closing === null) {
      this.#closing = (async () => {
        await this.native.shutdown(graceMs)
        this.#sinks.clear()
        for (const reply of [...this.replies.values()]) reply._clientGone()
        live.delete(this)
      })()
    }
    return this.#closing
  }

  #dispatch(events: unknown[], handler: Handler): void {
    let i = 0
    while (i < events.length) {
      const kind = events[i] as EventKind
      if (kind === EventKind.Request) {
        this.#request(new IncomingRequest(events, i), handler)
        i += EventSize.Request
        continue
      }
      const reply = this.replies.get(events[i + 1] as number)
      if (kind === EventKind.Drain) reply?._drained()
      else reply?._clientGone()
      i += EventSize.Other
    }
  }

  #request(req: IncomingRequest, handler: Handler): void {
    const reply = new Reply(this, req.connId, req.method === 'HEAD', req.keepAlive, req.httpVersion === '1.0')
    this.replies.set(req.connId, reply)
    try {
      const result = handler(req, reply) as PromiseLike<unknown> | undefined
      if (result !== undefined && result !== null && typeof result.then === 'function') {
        result.then(undefined, (err: unknown) => reportHandlerError(err, reply))
      }
    } catch (err) {
      reportHandlerError(err, reply)
    }
  }
}
