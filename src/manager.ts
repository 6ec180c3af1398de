/**
 * `Manager`: the low-level API. One Mongoose thread, any number of listeners,
 * a plain request object and a `Reply` per request.
 */
import { CloseSignal } from './close-signal'
import { Dispatcher } from './dispatch'
import type { Handler } from './dispatch'
import { listenError, MgnodeError } from './errors'
import { binding, LISTEN_DEFAULTS } from './native'
import type { NativeEventSink, NativeListenOptions, NativeManager, NativeResponder } from './native'
import { compileContext, serverSettings } from './tls/compile'
import type { NativeTlsContext } from './tls/compile'
import { SniContexts } from './tls/contexts'
import type { ListenerInfo, ListenOptions, SniContext, TlsOptions } from './types'

export type { Handler } from './dispatch'

/** Managers with open listeners stay reachable, as a listening node:http server does. */
const live = new Set<Manager>()

function parseUrl(url: string): { host: string; port: number; tls: boolean } {
  const match = /^(https?):\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(url)
  if (!match) {
    throw new MgnodeError('ERR_INVALID_URL', `Invalid listen URL "${url}": expected http://host:port or https://host:port`)
  }
  return { host: match[2].replace(/^\[|\]$/g, ''), port: Number(match[3]), tls: match[1] === 'https' }
}

function nativeOptions(options: ListenOptions): NativeListenOptions {
  return {
    maxBodySize: options.maxBodySize,
    maxHeaderSize: options.maxHeaderSize,
    maxHeaders: options.maxHeaders,
    headersTimeout: options.headersTimeout,
    requestTimeout: options.requestTimeout,
    keepAliveTimeout: options.keepAliveTimeout,
    streamTimeout: options.stallTimeout ?? options.streamTimeout,
    maxConnections: connectionLimit(options.maxConnections),
  }
}

/**
 * The engine's connection limit for a `maxConnections` value, as current
 * node:http applies it (`open >= max` refuses, unless max is null or
 * undefined): 2.5 lets 3 in, 0 or less refuses every connection, and null,
 * undefined, NaN or Infinity set no limit (undefined). Node 20 took 0 as no
 * limit.
 */
export function connectionLimit(max: unknown): number | undefined {
  if (max === null || max === undefined) return undefined
  const n = Number(max)
  if (Number.isNaN(n) || n > 2 ** 32 - 1) return undefined
  return n <= 0 ? 0 : Math.ceil(n)
}

/** An `https://` listener's TLS: its default context, the contexts by server name, its `SNICallback`. */
interface ListenerTls {
  context: NativeTlsContext
  contexts: SniContexts
  /** Called by the engine with `[connId, servername]`. */
  sni: ((call: [number, string]) => void) | undefined
}

function listenerTls(native: NativeManager, tls: TlsOptions | undefined): ListenerTls {
  if (!tls) throw new MgnodeError('ERR_MGNODE_TLS', 'https:// listeners need options.tls with cert and key')
  const settings = serverSettings(tls)
  const context = compileContext(tls, settings)
  const contexts = new SniContexts(settings)
  const callback = tls.SNICallback
  if (callback !== undefined && typeof callback !== 'function') throw new MgnodeError('ERR_INVALID_ARG_TYPE', 'SNICallback must be a function')
  const sni =
    callback === undefined
      ? undefined
      : ([connId, servername]: [number, string]) => {
          // Answered once; a throw or an error refuses the handshake, as node does.
          let answered = false
          const answer = (err: Error | null, ctx?: SniContext): void => {
            if (answered) return
            answered = true
            let chosen: NativeTlsContext | null = null
            let failed = err !== null && err !== undefined
            if (!failed) {
              try {
                chosen = contexts.resolve(ctx)
              } catch (e) {
                failed = true
                process.emitWarning(`SNICallback answered with an unusable context: ${(e as Error).message}`)
              }
            }
            native.tlsChoose(connId, chosen, failed)
          }
          try {
            callback(servername, answer)
          } catch {
            answer(new Error('SNICallback threw'))
          }
        }
  return { context, contexts, sni }
}

interface OpenListener {
  sink: NativeEventSink | null
  dispatcher: Dispatcher | null
  tls: ListenerTls | undefined
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
export class Manager {
  /** @internal */
  readonly native: NativeManager
  /** @internal Writes responses; one per thread. */
  readonly responder: NativeResponder
  /** @internal Raised at `close()`; worker threads share it (see `CloseSignal`). */
  readonly closeSignal = new CloseSignal()
  #listeners = new Map<number, OpenListener>()
  /** Listeners closed with `linger`, whose connections still serve (node:http's `close()`). */
  #lingering = new Map<number, OpenListener>()
  #closing: Promise<void> | null = null

  constructor() {
    this.native = new binding.Manager()
    this.responder = new binding.Responder(this.native.id)
  }

  /** Process-wide id; worker threads reach this manager with it. */
  get id(): number {
    return this.native.id
  }

  /**
   * Listens on `url` (`http://host:port`, `https://host:port`, `[::1]` for IPv6;
   * port 0 picks a free port) and calls `handler` for every request.
   */
  async listen(url: string, handler: Handler, options: ListenOptions = {}): Promise<ListenerInfo> {
    return this.listenNow(url, handler, options)
  }

  /** `listen`, synchronously (binding is synchronous; node:http's `listen()` needs this). @internal */
  listenNow(url: string, handler: Handler, options: ListenOptions = {}): ListenerInfo {
    if (typeof handler !== 'function') throw new MgnodeError('ERR_INVALID_ARG_TYPE', 'handler must be a function')
    return this.#open(url, options, new Dispatcher(this.responder, handler, this.closeSignal))
  }

  /** Aborts every response in flight on this thread (`closeAllConnections`). @internal */
  abortAll(listenerId: number): void {
    ;(this.#listeners.get(listenerId) ?? this.#lingering.get(listenerId))?.dispatcher?.abortAll()
  }

  /**
   * Changes a listener's timeouts (ms; 0 turns one off); those not given keep
   * the defaults `listen` uses. @internal
   */
  setTimeouts(listenerId: number, t: Pick<ListenOptions, 'headersTimeout' | 'requestTimeout' | 'keepAliveTimeout' | 'stallTimeout'>): void {
    if (this.#closing !== null) return
    const d = LISTEN_DEFAULTS
    this.native.setTimeouts(
      listenerId,
      t.headersTimeout ?? d.headersTimeout,
      t.requestTimeout ?? d.requestTimeout,
      t.keepAliveTimeout ?? d.keepAliveTimeout,
      t.stallTimeout ?? d.stallTimeout,
    )
  }

  /**
   * The server events this thread's app listens for on a listener
   * (`ServerHook` bits): they decide how upgrade, CONNECT and `Expect`
   * requests are handled. @internal
   */
  setHooks(listenerId: number, hooks: number): void {
    this.#listeners.get(listenerId)?.sink?.setHooks(hooks)
  }

  /**
   * Adds a TLS context to an `https://` listener for the server names
   * matching `servername` (`*` stands for one label), as node's
   * `server.addContext`: options (`{ cert, key }`) or a context from
   * `tls.createSecureContext`. Handshakes that ask for such a name use it.
   */
  addContext(listenerId: number, servername: string, context: SniContext): void {
    const open = this.#listeners.get(listenerId) ?? this.#lingering.get(listenerId)
    if (open?.tls === undefined) throw new MgnodeError('ERR_MGNODE_TLS', `listener ${listenerId} is not an open https:// listener`)
    const compiled = open.tls.contexts.resolve(context)
    if (compiled === null) throw new MgnodeError('ERR_MGNODE_TLS', 'addContext needs a context')
    this.native.addTlsContext(listenerId, servername, compiled)
  }

  /** Changes a listener's `maxConnections` (see `connectionLimit`). @internal */
  setMaxConnections(listenerId: number, max: unknown): void {
    if (this.#closing === null) this.native.setMaxConnections(listenerId, connectionLimit(max))
  }

  /** Closes the idle keep-alive connections of a listener. @internal */
  closeIdle(listenerId: number): void {
    if (this.#closing === null) this.native.closeIdle(listenerId)
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== null
  }

  /**
   * Listens on `url` without a handler on this thread: requests wait until a
   * worker thread attaches with `attachSink(manager.id, listener.id, ...)`.
   * @internal
   */
  async listenForWorkers(url: string, options: ListenOptions = {}): Promise<ListenerInfo> {
    return this.#open(url, options, null)
  }

  /** Detaches a worker's sink after the worker died; what it held gets 502. @internal */
  detachSink(listenerId: number, sinkId: number): void {
    if (this.#closing === null) this.native.detachSink(listenerId, sinkId)
  }

  /**
   * Stops accepting on one listener; its in-flight requests still finish,
   * and their responses close their connections (`Connection: close`).
   */
  async closeListener(id: number): Promise<void> {
    this.#closeListener(id, false)
  }

  /**
   * Stops accepting on one listener as node:http's `server.close()` does:
   * idle connections close, busy ones go on serving as keep-alive
   * connections until idle for the keep-alive timeout. Call
   * `forgetListener` once they are gone. @internal
   */
  closeListenerLingering(id: number): void {
    this.#closeListener(id, true)
  }

  /** Lets go of a listener closed with `closeListenerLingering` whose connections are gone. @internal */
  forgetListener(id: number): void {
    this.#lingering.delete(id)
  }

  #closeListener(id: number, linger: boolean): void {
    const open = this.#listeners.get(id)
    if (open === undefined) return
    this.#listeners.delete(id)
    if (linger) this.#lingering.set(id, open)
    else open.dispatcher?.beginClosing()
    this.native.closeListener(id, linger)
    if (this.#listeners.size === 0) live.delete(this)
  }

  /**
   * Stops every listener, lets in-flight requests finish for up to `graceMs`,
   * closes the remaining connections and stops the native thread. Responses
   * whose head is written from now on say `Connection: close`.
   */
  close(graceMs = 5000): Promise<void> {
    if (this.#closing === null) {
      this.closeSignal.raise()
      const all = [...this.#listeners.values(), ...this.#lingering.values()]
      for (const open of all) open.dispatcher?.beginClosing()
      this.#closing = (async () => {
        await this.native.shutdown(graceMs)
        for (const open of all) open.dispatcher?.abandonAll()
        this.#listeners.clear()
        this.#lingering.clear()
        live.delete(this)
      })()
    }
    return this.#closing
  }

  #open(url: string, options: ListenOptions, dispatcher: Dispatcher | null): ListenerInfo {
    if (this.#closing) throw new MgnodeError('ERR_SERVER_CLOSED', 'Manager is closed')
    const { host, port, tls } = parseUrl(url)
    const secure = tls ? listenerTls(this.native, options.tls) : undefined
    const open: OpenListener = { sink: null, dispatcher, tls: secure }
    const onEvents =
      dispatcher === null
        ? null
        : () => {
            if (open.sink !== null) dispatcher.takeFrom(open.sink)
          }
    let result
    try {
      result = this.native.listen(url, nativeOptions(options), onEvents, secure?.context, secure?.sni)
    } catch (err) {
      if (err instanceof MgnodeError) throw err
      throw listenError(err, host, port)
    }
    open.sink = result.sink ?? null
    this.#listeners.set(result.listenerId, open)
    for (const [name, ctx] of Object.entries(options.tls?.contexts ?? {})) this.addContext(result.listenerId, name, ctx)
    live.add(this)
    return { id: result.listenerId, url, localAddr: [result.host || host, result.port] }
  }
}
