/**
 * Runs a Node request listener `(req, res)` on engine requests, with genuine
 * `http.IncomingMessage` / `http.ServerResponse` objects (Express swaps their
 * prototypes, so subclasses would lose their methods).
 */
import { IncomingMessage, ServerResponse } from 'node:http'
import type { RequestListener } from 'node:http'

import { ConnectionTable } from '../connection-table'
import { LISTEN_DEFAULTS, RequestFlag } from '../native'
import type { ConnectionHandler, DroppedConnection } from '../dispatch'
import type { Reply } from '../reply'
import type { EngineRequest } from '../types'
import { PropertyPresets } from './presets'
import type { PresetSample } from './presets'
import { EngineSocket } from './socket'
import { UpgradedSocket } from './upgraded-socket'

/** Per-server settings an exchange reads. */
export interface ExchangeOptions {
  /** Advertised in `Keep-Alive: timeout=N` as node:http does (ms; 0 omits it). */
  keepAliveTimeout: number
  /** Told of each connection closed at accept for `maxConnections` (the 'drop' event). */
  onDrop?: (info: DroppedConnection) => void
  /** Called with each request before the listener (createServer's 'request' event path). */
  onRequest?: (req: IncomingMessage, res: ServerResponse) => void
  /** Told when an exchange ends, to track in-flight requests. */
  onSettled?: () => void
  /** Called with each new connection's socket, before its first request (the 'connection' event). */
  onConnection?: (socket: EngineSocket | UpgradedSocket) => void
  /** Told when a connection that made a request has closed. */
  onConnectionGone?: () => void
  /**
   * Takes a request that left HTTP, with its socket and the bytes that
   * followed its head ('upgrade' or 'connect'); false if nothing took it.
   */
  onUpgrade?: (req: IncomingMessage, socket: UpgradedSocket, head: Buffer) => boolean
  /**
   * Takes a request whose `Expect` the app answers ('checkContinue' or
   * 'checkExpectation'); false if nothing listens.
   */
  onExpectation?: (event: 'checkContinue' | 'checkExpectation', req: IncomingMessage, res: ServerResponse) => boolean
  /** What `req.socket.server` is (node:http: the http.Server); libraries subscribe to its 'upgrade' there. */
  server?: object
  /**
   * node:http's `server.maxHeadersCount`: a request with more header lines
   * gets 431 and never reaches the listener (0 or less: no limit). Default
   * (null) 1000.
   */
  maxHeadersCount?: number | null
}

interface Exchange {
  req: IncomingMessage
  res: ServerResponse
  socket: EngineSocket
  options: ExchangeOptions
  /** Set when this exchange is one the presets learn from. */
  sample: PresetSample | null
}

/**
 * Where a response keeps its exchange while it is unfinished. A property, not
 * a WeakMap: a WeakMap's entries for short-lived keys cost the young-generation
 * GC extra work, and every request made one.
 */
const kExchange = Symbol('mgnode.exchange')

type WithExchange = ServerResponse & { [kExchange]?: Exchange | undefined }

function exchangeOf(res: ServerResponse): Exchange | undefined {
  return (res as WithExchange)[kExchange]
}

function endExchange(res: ServerResponse): void {
  ;(res as WithExchange)[kExchange] = undefined
}

function emitClose(res: ServerResponse): void {
  const r = res as ServerResponse & { _closed?: boolean }
  if (r._closed) return
  r._closed = true
  res.destroyed = true
  res.emit('close')
}

/** `prefinish`: node:http has handed over the whole response; send it in one go. */
function onPrefinish(this: ServerResponse): void {
  const ex = exchangeOf(this)
  if (ex === undefined) return
  const last = (this as ServerResponse & { _last?: boolean })._last === true
  ex.socket._flush(true, !last && this.shouldKeepAlive)
}

/** `finish`: the response left; release the request as node:http's server does. */
function onFinish(this: ServerResponse): void {
  const ex = exchangeOf(this)
  if (ex === undefined) return
  endExchange(this)
  const { req, socket } = ex
  ex.sample?.learn(req, this)
  // The socket outlives the exchange (keep-alive): its listeners for this one go.
  socket.removeListener('close', onSocketGone)
  this.detachSocket(socket as never)
  const r = req as IncomingMessage & { _consuming?: boolean; _dump?: () => void }
  if (!r._consuming && !req.readableFlowing) r._dump?.()
  process.nextTick(emitClose, this)
  ex.options.onSettled?.()
}

/** What node:http destroys a request with when its client leaves before the body is complete. */
function abortedError(): Error {
  return Object.assign(new Error('aborted'), { code: 'ECONNRESET' })
}

/** The client went away before the response ended. */
function onSocketGone(this: EngineSocket): void {
  const res = this._httpMessage
  if (res === null) return
  const ex = exchangeOf(res)
  if (ex === undefined) return
  endExchange(res)
  const { req } = ex
  // As node:http: 'aborted', then 'error' (for whoever listens) if the body was incomplete, then 'close'.
  req.destroy(req.complete ? undefined : abortedError())
  ex.options.onSettled?.()
}

/** A listener failed: 500 if nothing was sent yet, else the connection is cut. */
export function reportError(err: unknown, res: ServerResponse): void {
  console.error(err)
  if (res.headersSent) {
    res.socket?.destroy()
    return
  }
  res.statusCode = 500
  for (const name of res.getHeaderNames()) res.removeHeader(name)
  res.setHeader('content-type', 'text/plain; charset=utf-8')
  res.end('Internal Server Error')
}

/**
 * The connection's socket, made on its first request and kept for the next
 * ones, as node:http keeps one per connection. A fresh one replaces it if it
 * is destroyed or (never expected) still busy with the last response.
 */
function socketFor(reqData: EngineRequest, reply: Reply, sockets: ConnectionTable<EngineSocket>, options: ExchangeOptions): EngineSocket {
  const known = sockets.get(reqData.connId)
  if (known !== undefined && !known.destroyed && known._httpMessage === null) {
    known._attach(reqData, reply)
    return known
  }
  const socket = new EngineSocket(reqData, reply)
  socket.server = options.server ?? null
  sockets.add(socket)
  options.onConnection?.(socket)
  return socket
}

/** Header fields (names and values) node:http accepts when `maxHeadersCount` is unset: 1000 headers. */
const DEFAULT_HEADER_FIELDS = 2000

/** node:http's answer to a request over `maxHeadersCount`. */
const TOO_MANY_HEADERS = Object.freeze(['connection', 'close'])

/**
 * Whether `fields` (names and values) exceed what `maxHeadersCount` allows,
 * counted as node:http's parser counts them (`maxHeadersCount << 1`; not
 * positive: no limit). Node releases since the CVE-2026-58044 fix refuse such
 * a request with 431; before it they dropped the extra headers from
 * `req.headers`, which let the listener and the parser disagree.
 */
function tooManyHeaders(fields: number, maxHeadersCount: number | null | undefined): boolean {
  const limit = typeof maxHeadersCount === 'number' ? maxHeadersCount << 1 : DEFAULT_HEADER_FIELDS
  return limit > 0 && fields > limit
}

/** node:http's request object for an engine request, its body not pushed yet. */
function incomingMessage(reqData: EngineRequest, socket: EngineSocket | UpgradedSocket, options: ExchangeOptions): IncomingMessage {
  const req = new IncomingMessage(socket as never)
  req.method = reqData.method
  req.url = reqData.url
  req.httpVersion = reqData.httpVersion
  req.httpVersionMajor = 1
  req.httpVersionMinor = reqData.httpVersion === '1.0' ? 0 : 1
  // Sets rawHeaders; `req.headers` is then built lazily by node:http itself.
  const raw = reqData.rawHeaders
  ;(req as unknown as { _addHeaderLines(h: string[], n: number): void })._addHeaderLines(raw, raw.length)
  return req
}

/**
 * A request that took its connection over: node:http's `'upgrade'` or
 * `'connect'`, with a Duplex socket and the bytes after the head. Nothing
 * taking it destroys the socket, as there.
 */
function upgrade(
  reqData: EngineRequest,
  reply: Reply,
  sockets: ConnectionTable<EngineSocket>,
  upgraded: Map<number, UpgradedSocket>,
  options: ExchangeOptions,
): void {
  const socket = new UpgradedSocket(reqData, reply)
  socket.server = options.server ?? null
  reply.observer = socket
  // The connection counts as open (server.close() waits for it, as node:http) under its new socket.
  const known = sockets.get(reqData.connId)
  if (known === undefined) options.onConnection?.(socket)
  else sockets.remove(known)
  upgraded.set(reqData.connId, socket)
  const req = incomingMessage(reqData, socket, options)
  ;(req as IncomingMessage & { upgrade: boolean }).upgrade = true
  req.complete = true
  req.push(null)
  const taken = options.onUpgrade?.(req, socket, reqData.body) ?? false
  if (!taken) socket.destroy()
}

/**
 * A request whose `Expect` header the app answers, as node:http hands it
 * out: to 'checkContinue' (the app calls `res.writeContinue()`, or answers
 * at once) or 'checkExpectation'. Without a listener (it went in the
 * meantime), node:http's own answers: `100 Continue` and 'request', or 417.
 * Returns true if the request was dealt with here.
 */
function answerExpectation(expect: number, req: IncomingMessage, res: ServerResponse, options: ExchangeOptions): boolean {
  if ((expect & RequestFlag.CheckContinue) !== 0) {
    // As node:http: a final answer without 100 Continue first closes the connection.
    ;(res as ServerResponse & { _expect_continue: boolean })._expect_continue = true
    if (options.onExpectation?.('checkContinue', req, res) === true) return true
    res.writeContinue()
    return false
  }
  if (options.onExpectation?.('checkExpectation', req, res) === true) return true
  res.writeHead(417)
  res.end()
  return true
}

/** Builds the Node request/response pair for one engine request. */
export function createExchange(
  reqData: EngineRequest,
  reply: Reply,
  options: ExchangeOptions,
  sockets: ConnectionTable<EngineSocket>,
  presets: PropertyPresets,
): Exchange {
  const socket = socketFor(reqData, reply, sockets, options)
  const req = incomingMessage(reqData, socket, options)
  // As node:http's parser sets it for every request it hands to 'request'.
  ;(req as IncomingMessage & { upgrade: boolean }).upgrade = false
  if (reqData.streamed) {
    // The rest of the body follows through the socket (`_data`, `_end`).
    if (reqData.body.length > 0) req.push(reqData.body)
    socket._incoming = req
  } else {
    req.complete = true
    if (reqData.body.length > 0) req.push(reqData.body)
    req.push(null)
  }

  const res = new ServerResponse(req)
  res.shouldKeepAlive = reqData.keepAlive
  ;(res as unknown as { _keepAliveTimeout: number })._keepAliveTimeout = options.keepAliveTimeout
  // Before assignSocket's own 'close' listener: as in node:http, the request
  // is aborted ('aborted', req.destroyed) before the response emits 'close'.
  socket.on('close', onSocketGone)
  res.assignSocket(socket as never)
  const ex: Exchange = { req, res, socket, options, sample: null }
  ;(res as WithExchange)[kExchange] = ex
  res.on('prefinish', onPrefinish)
  res.on('finish', onFinish)
  reply.observer = socket
  // Last, so that what the app adds is measured from here.
  ex.sample = presets.apply(req, res)
  return ex
}

/** An engine handler for a request listener, which also knows its open connections. */
export interface NodeHandler extends ConnectionHandler {
  /** Connections that have made a request and not closed (node:http's `getConnections`). */
  openConnections(): number
}

/**
 * Turns a request listener into an engine handler.
 *
 * ```js
 * const handler = nodeHandler((req, res) => res.end('hi'))
 * await manager.listen('http://127.0.0.1:0', handler)
 * ```
 */
export function nodeHandler(listener: RequestListener, options: ExchangeOptions = { keepAliveTimeout: LISTEN_DEFAULTS.keepAliveTimeout }): NodeHandler {
  const sockets = new ConnectionTable<EngineSocket>()
  /** Connections that left HTTP (few: a Map will do). */
  const upgraded = new Map<number, UpgradedSocket>()
  const presets = new PropertyPresets()
  const handler = (reqData: EngineRequest, reply: Reply): unknown => {
    if (tooManyHeaders(reqData.rawHeaders.length, options.maxHeadersCount)) {
      reply.send(431, TOO_MANY_HEADERS)
      return undefined
    }
    if (reqData.upgrade) return upgrade(reqData, reply, sockets, upgraded, options)
    const { req, res } = createExchange(reqData, reply, options, sockets, presets)
    try {
      options.onRequest?.(req, res)
      const expect = (reqData as EngineRequest & { _expect?: number })._expect
      if (expect !== undefined && expect !== 0 && answerExpectation(expect, req, res, options)) return undefined
      const result = listener(req, res) as unknown as PromiseLike<unknown> | undefined
      if (result !== undefined && result !== null && typeof result.then === 'function') {
        // Returned so the dispatcher can pace a batch by it; it never rejects.
        return result.then(undefined, (err: unknown) => reportError(err, res))
      }
    } catch (err) {
      reportError(err, res)
    }
    return undefined
  }
  // The connection closed (or went to another worker thread): its socket goes.
  const connectionGone = (connId: number): void => {
    if (upgraded.delete(connId)) {
      options.onConnectionGone?.()
      return
    }
    const socket = sockets.get(connId)
    if (socket === undefined) return
    sockets.remove(socket)
    socket._gone(false)
    options.onConnectionGone?.()
  }
  const openConnections = (): number => sockets.size + upgraded.size
  // A graceful close began: heads not written yet say `Connection: close`,
  // as node:http writes them for a response that is the connection's last.
  const closing = (): void => {
    for (const socket of sockets.list()) {
      const res = socket._httpMessage
      if (res !== null && !res.headersSent) res.shouldKeepAlive = false
    }
  }
  const dropped = (info: DroppedConnection): void => options.onDrop?.(info)
  return Object.assign(handler, { connectionGone, openConnections, closing, dropped })
}
