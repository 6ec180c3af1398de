/**
 * `createServer()`: a drop-in for `http.createServer()` that serves on mgnode.
 * It has the parts of `http.Server` that apps, frameworks (Fastify's
 * `serverFactory`) and tools (supertest) use.
 */
import { EventEmitter } from 'node:events'
import type * as http from 'node:http'
import type * as net from 'node:net'
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'

import { MgnodeError } from '../errors'
import { LISTEN_DEFAULTS } from '../native'
import type { ListenerInfo, SniContext, TlsOptions } from '../types'
import { nodeHandler, reportError } from './exchange'
import { emitExpectation, hooksOf, watchHooks } from './server-hooks'
import type { NodeHandler } from './exchange'
import type { ExchangeOptions } from './exchange'
import { sharedManager } from './shared-manager'

/**
 * Options of `createServer`: node:http's, plus node:https's TLS options
 * (`cert`, `key`, `ca`, `passphrase`, `minVersion`, `maxVersion`,
 * `requestCert`, `rejectUnauthorized`, `SNICallback`, `ALPNProtocols`):
 * with `cert` and `key` the server is an HTTPS one. Of node:http's own,
 * `keepAliveTimeout`, `headersTimeout`, `requestTimeout` and `maxHeaderSize`
 * are the engine's; the others are accepted and have no effect (parsing is
 * always strict, `Host` always required on HTTP/1.1, sockets never delay
 * small writes). Custom `IncomingMessage`/`ServerResponse` classes are not
 * supported: the objects are node:http's own, so Express's prototypes work.
 */
export interface ServerOptions extends Partial<TlsOptions>, Omit<http.ServerOptions, 'IncomingMessage' | 'ServerResponse'> {
  /** Largest request body accepted, in bytes (413 above it). Default: no limit, as node:http. */
  maxBodySize?: number
}

export interface AddressInfo {
  address: string
  family: string
  port: number
}

interface ListenOptionsLike {
  port?: number | string
  host?: string
  path?: string
  backlog?: number
}

type Callback = (err?: Error) => void

/** node:https's TLS options among a server's options. */
function tlsOptions(o: ServerOptions): TlsOptions {
  const { cert, key, passphrase, ca, minVersion, maxVersion, requestCert, rejectUnauthorized, SNICallback, ALPNProtocols } = o
  return { cert: cert!, key: key!, passphrase, ca, minVersion, maxVersion, requestCert, rejectUnauthorized, SNICallback, ALPNProtocols }
}

/**
 * The engine's limit on header lines for createServer: none, because
 * `maxHeadersCount` may change after listen() and is checked per request.
 */
const NO_HEADER_COUNT_LIMIT = 2 ** 31

/** What `_handle` is while listening: the engine owns the socket, so there is no descriptor to give. */
const LISTENING_HANDLE = Object.freeze({ fd: -1 })

function errnoError(code: string, message: string): NodeJS.ErrnoException {
  const err = new Error(message) as NodeJS.ErrnoException
  err.code = code
  return err
}

/**
 * An `http.Server` look-alike backed by a listener on mgnode's shared engine.
 *
 * ```js
 * const { createServer } = require('mgnode')
 * createServer((req, res) => res.end('hello')).listen(3000, () => console.log('ready'))
 * ```
 */
export class MgnodeServer extends EventEmitter implements http.Server {
  timeout = 0
  /**
   * Requests one connection may make; the last allowed response says
   * `Connection: close`, and requests beyond get 503 (and 'dropRequest'),
   * as on node:http. 0: no limit. Counted for HTTP/1.1 requests only, as there.
   */
  maxRequestsPerSocket = 0

  #tls: TlsOptions | undefined
  #maxBodySize: number | undefined
  #maxHeaderSize: number | undefined
  #listener: ListenerInfo | null = null
  /** The listener being closed: its connections still serve until they are gone, as on node:http. */
  #closingId: number | null = null
  #inFlight = 0
  /** The listener's handler, which keeps its connections' sockets. */
  #handler: NodeHandler | null = null
  #closeCallbacks: Callback[] = []
  #closing = false
  #exchange: ExchangeOptions
  #keepAliveTimeout: number = LISTEN_DEFAULTS.keepAliveTimeout
  #headersTimeout: number = LISTEN_DEFAULTS.headersTimeout
  #requestTimeout: number = LISTEN_DEFAULTS.requestTimeout
  #maxConnections: number | undefined = undefined

  constructor(options: ServerOptions = {}, listener?: RequestListener) {
    // 'request' is an event, so an async listener's rejection would be lost
    // (emit() drops return values); capture it to answer like a throw does.
    super({ captureRejections: true })
    if (options.cert !== undefined && options.key !== undefined) this.#tls = tlsOptions(options)
    if (typeof options.keepAliveTimeout === 'number') this.#keepAliveTimeout = options.keepAliveTimeout
    if (typeof options.headersTimeout === 'number') this.#headersTimeout = options.headersTimeout
    if (typeof options.requestTimeout === 'number') this.#requestTimeout = options.requestTimeout
    this.#maxBodySize = options.maxBodySize
    this.#maxHeaderSize = options.maxHeaderSize
    if (listener) this.on('request', listener)
    this.#exchange = {
      server: this,
      keepAliveTimeout: this.#keepAliveTimeout,
      onSettled: () => this.#settled(),
      onConnectionGone: () => {
        if (this.#closing) this.#maybeClosed()
      },
      // As node:http, with the connection's socket; emitted before its first request.
      onConnection: (socket) => this.emit('connection', socket),
      onExpectation: (event, req, res) => emitExpectation(this, event, req, res),
      onDrop: (info) => this.emit('drop', info),
      onUpgrade: (req, socket, head) => {
        const event = req.method === 'CONNECT' ? 'connect' : 'upgrade'
        if (this.listenerCount(event) === 0) return false
        this.emit(event, req, socket, head)
        return true
      },
    }
    watchHooks(this, () => this.#pushHooks())
  }

  /** Tells the engine which of node:http's request-deciding events this server listens for. */
  #pushHooks(): void {
    if (this.#listener !== null) sharedManager().setHooks(this.#listener.id, hooksOf(this))
  }

  /**
   * Serves `context` to clients asking for `hostname` (SNI; `*` stands for
   * one label), as node:https's `server.addContext`: options (`{ cert, key }`)
   * or a context from `tls.createSecureContext`.
   */
  addContext(hostname: string, context: SniContext): void {
    if (this.#tls === undefined) throw new MgnodeError('ERR_MGNODE_TLS', 'addContext needs an HTTPS server (cert and key)')
    this.#tls.contexts = { ...this.#tls.contexts, [hostname]: context }
    if (this.#listener !== null) sharedManager().addContext(this.#listener.id, hostname, context)
  }

  /**
   * Present while listening, as on node:http (where it is the native handle):
   * tools check it to tell a listening server from a closed one (supertest
   * closes the servers it started only when it is set).
   */
  get _handle(): { readonly fd: number } | null {
    return this.#listener === null ? null : LISTENING_HANDLE
  }

  /** Idle time (ms) before a keep-alive connection is closed; may change while listening, as on node:http. */
  get keepAliveTimeout(): number {
    return this.#keepAliveTimeout
  }

  set keepAliveTimeout(ms: number) {
    this.#keepAliveTimeout = ms
    this.#exchange.keepAliveTimeout = ms
    this.#pushTimeouts()
  }

  /**
   * Connections open at once: while this many are, a new one is closed as
   * soon as it is accepted, and 'drop' is emitted with its addresses, as
   * on node:http. May change while listening. Default: no limit.
   */
  // Typed `number` as net.Server's is, which is undefined too until set.
  get maxConnections(): number {
    return this.#maxConnections as number
  }

  set maxConnections(max: number) {
    this.#maxConnections = max
    if (this.#listener !== null) sharedManager().setMaxConnections(this.#listener.id, max)
  }

  /** Most header lines a request may have; more get 431, as on current Node releases. null: 1000; 0: no limit. */
  get maxHeadersCount(): number | null {
    return this.#exchange.maxHeadersCount ?? null
  }

  set maxHeadersCount(count: number | null) {
    this.#exchange.maxHeadersCount = count
  }

  /** Time (ms) a client has to send a request head. */
  get headersTimeout(): number {
    return this.#headersTimeout
  }

  set headersTimeout(ms: number) {
    this.#headersTimeout = ms
    this.#pushTimeouts()
  }

  /** Time (ms) a client has to send a whole request. */
  get requestTimeout(): number {
    return this.#requestTimeout
  }

  set requestTimeout(ms: number) {
    this.#requestTimeout = ms
    this.#pushTimeouts()
  }

  /** The engine's copy of the timeouts, kept in step once listening. */
  #pushTimeouts(): void {
    if (this.#listener === null) return
    sharedManager().setTimeouts(this.#listener.id, this.#timeoutOptions())
  }

  #timeoutOptions(): { keepAliveTimeout: number; headersTimeout: number; requestTimeout: number } {
    const ms = (v: number): number => (Number.isFinite(v) && v > 0 ? Math.floor(v) : 0)
    return {
      keepAliveTimeout: ms(this.#keepAliveTimeout),
      headersTimeout: ms(this.#headersTimeout),
      requestTimeout: ms(this.#requestTimeout),
    }
  }

  get listening(): boolean {
    return this.#listener !== null
  }

  /** `listen(port, host, backlog, cb)`, `listen({ port, host }, cb)` or `listen(cb)`. */
  listen(...args: unknown[]): this {
    const cb = typeof args[args.length - 1] === 'function' ? (args.pop() as () => void) : undefined
    let port: unknown = 0
    let host: string | undefined
    if (args[0] !== null && typeof args[0] === 'object') {
      const o = args[0] as ListenOptionsLike
      if (o.path !== undefined) throw new MgnodeError('ERR_MGNODE_UNSUPPORTED', 'listening on a Unix socket path is not supported')
      port = o.port ?? 0
      host = o.host
    } else {
      if (args[0] !== undefined && args[0] !== null) port = args[0]
      if (typeof args[1] === 'string') host = args[1]
    }
    if (typeof port === 'string' && !/^\d+$/.test(port)) {
      throw new MgnodeError('ERR_MGNODE_UNSUPPORTED', 'listening on a Unix socket path is not supported')
    }
    const portNumber = Number(port)
    if (!Number.isInteger(portNumber) || portNumber < 0 || portNumber > 65535) {
      throw new MgnodeError('ERR_SOCKET_BAD_PORT', `Port should be >= 0 and < 65536. Received ${String(port)}.`)
    }
    if (this.#listener !== null) throw new MgnodeError('ERR_SERVER_ALREADY_LISTEN', 'Listen method has been called more than once without closing.')
    if (cb) this.once('listening', cb)
    try {
      this.#listener = this.#bind(host, portNumber)
      this.#pushHooks()
      // Listening again before the last close ended: the old connections are no longer this server's concern.
      if (this.#closingId !== null) sharedManager().forgetListener(this.#closingId)
      this.#closingId = null
      this.#closing = false
      process.nextTick(() => this.emit('listening'))
    } catch (err) {
      process.nextTick(() => this.emit('error', err))
    }
    return this
  }

  address(): AddressInfo | null {
    if (this.#listener === null) return null
    const [address, port] = this.#listener.localAddr
    return { address, family: address.includes(':') ? 'IPv6' : 'IPv4', port }
  }

  /**
   * Stops accepting and closes idle connections. As on node:http, connections
   * busy with a request go on as keep-alive connections (their responses say
   * so) until they are idle for `keepAliveTimeout` or the client closes them;
   * `'close'` (and `cb`) follow once they are all gone.
   */
  close(cb?: Callback): this {
    if (this.#listener === null) {
      if (cb) process.nextTick(cb, errnoError('ERR_SERVER_NOT_RUNNING', 'Server is not running.'))
      return this
    }
    if (cb) this.#closeCallbacks.push(cb)
    const listener = this.#listener
    this.#listener = null
    this.#closingId = listener.id
    this.#closing = true
    sharedManager().closeListenerLingering(listener.id)
    process.nextTick(() => this.#maybeClosed())
    return this
  }

  /** Aborts every request in flight and closes idle connections. */
  closeAllConnections(): void {
    const id = this.#listener?.id ?? this.#closingId
    if (id === null) return
    sharedManager().abortAll(id)
    sharedManager().closeIdle(id)
  }

  /** Closes keep-alive connections that are between requests. */
  closeIdleConnections(): void {
    const id = this.#listener?.id ?? this.#closingId
    if (id !== null) sharedManager().closeIdle(id)
  }

  /**
   * Sets `timeout` (and adds `cb` for `'timeout'`), as node:http; the engine
   * enforces its own timeouts instead (see the README's differences).
   */
  setTimeout(msecs?: number, callback?: (socket: net.Socket) => void): this
  setTimeout(callback: (socket: net.Socket) => void): this
  setTimeout(msecs?: number | ((socket: net.Socket) => void), callback?: (socket: net.Socket) => void): this {
    if (typeof msecs === 'function') {
      callback = msecs
      msecs = undefined
    }
    if (msecs !== undefined) this.timeout = msecs
    if (callback) this.on('timeout', callback)
    return this
  }

  /**
   * Counts the open connections that have made a request (the engine
   * accepts on its own thread; one that never sends a request is not seen).
   */
  getConnections(cb: (err: Error | null, count: number) => void): this {
    process.nextTick(cb, null, this.#handler?.openConnections() ?? 0)
    return this
  }

  /** @deprecated As on `net.Server`: use `getConnections()`. */
  get connections(): number {
    return this.#handler?.openConnections() ?? 0
  }

  /** `await using server = createServer(...)`: closes it, as node:http's does. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#listener === null) return
    await new Promise<void>((resolve) => this.close(() => resolve()))
  }

  /** Present for compatibility; an open listener always keeps the process alive. */
  ref(): this {
    return this
  }

  /** Present for compatibility; an open listener always keeps the process alive. */
  unref(): this {
    return this
  }

  #bind(host: string | undefined, port: number): ListenerInfo {
    const scheme = this.#tls ? 'https' : 'http'
    const options = {
      tls: this.#tls,
      ...this.#timeoutOptions(),
      // No body limit unless asked for, as node:http (bodies stream to the app under a read budget).
      maxBodySize: this.#maxBodySize ?? Infinity,
      maxHeaders: NO_HEADER_COUNT_LIMIT,
      maxConnections: this.#maxConnections,
      maxHeaderSize: this.#maxHeaderSize,
    }
    const handler = nodeHandler((req: IncomingMessage, res: ServerResponse) => this.#request(req, res), this.#exchange)
    this.#handler = handler
    const manager = sharedManager()
    if (host === undefined || host === '::') {
      // node:http listens on every address, IPv6 and IPv4, when no host is given.
      try {
        return manager.listenNow(`${scheme}://[::]:${port}`, handler, options)
      } catch (err) {
        if (host !== undefined || (err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw err
        return manager.listenNow(`${scheme}://0.0.0.0:${port}`, handler, options)
      }
    }
    const address = host === 'localhost' ? '127.0.0.1' : host
    return manager.listenNow(`${scheme}://${address.includes(':') ? `[${address}]` : address}:${port}`, handler, options)
  }

  /** node:http's own handler for captured rejections: 500 (or abort) for 'request', else 'error'. */
  [Symbol.for('nodejs.rejection')](err: unknown, event: string | symbol, ...args: unknown[]): void {
    if (event === 'request') reportError(err, args[1] as ServerResponse)
    else this.emit('error', err)
  }

  #request(req: IncomingMessage, res: ServerResponse): void {
    this.#inFlight++
    if (!this.#withinRequestLimit(req, res)) return
    this.emit('request', req, res)
  }

  /**
   * node:http's `maxRequestsPerSocket`: the response to the last allowed
   * request says `Connection: close` (the connection itself stays, as
   * there); one beyond it is answered 503 instead of reaching the app.
   */
  #withinRequestLimit(req: IncomingMessage, res: ServerResponse): boolean {
    const max = this.maxRequestsPerSocket
    const limited = res as ServerResponse & { _maxRequestsPerSocket: number; maxRequestsOnConnectionReached: boolean }
    // Advertised in `Keep-Alive: ..., max=N`.
    limited._maxRequestsPerSocket = max
    if (typeof max !== 'number' || max <= 0 || req.httpVersionMajor !== 1 || req.httpVersionMinor !== 1) return true
    // Counted on the connection's socket (one per connection, as node:http's).
    const socket = req.socket as unknown as { _requests: number }
    const count = ++socket._requests
    limited.maxRequestsOnConnectionReached = max <= count
    if (max >= count) return true
    this.emit('dropRequest', req, req.socket)
    res.writeHead(503)
    res.end()
    return false
  }

  #settled(): void {
    this.#inFlight--
    if (this.#closing) this.#maybeClosed()
  }

  #maybeClosed(): void {
    if (!this.#closing || this.#inFlight > 0 || this.#listener !== null) return
    if ((this.#handler?.openConnections() ?? 0) > 0) return
    if (this.#closingId !== null) sharedManager().forgetListener(this.#closingId)
    this.#closingId = null
    this.#closing = false
    const callbacks = this.#closeCallbacks
    this.#closeCallbacks = []
    this.emit('close')
    for (const cb of callbacks) cb()
  }
}

/**
 * Like `http.createServer([options], listener)`, serving on mgnode.
 */
export function createServer(options?: ServerOptions | RequestListener, listener?: RequestListener): MgnodeServer {
  if (typeof options === 'function') return new MgnodeServer({}, options)
  return new MgnodeServer(options ?? {}, listener)
}
