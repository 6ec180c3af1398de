/**
 * `Server` and `serve()`: run an existing app on mgnode, on the main thread
 * or in worker threads. The counterpart of cymongoose's `WSGIServer`/`serve`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

import { AccessLog, accessLogOptions, openDestination } from './access-log'
import type { AccessLogSetting, LogOutput, ResolvedAccessLog } from './access-log'
import { createHandler } from './app-handler'
import type { FetchApp } from './fetch'
import type { Handler } from './dispatch'
import { MgnodeError } from './errors'
import type { MgnodeWarning } from './errors'
import { Manager } from './manager'
import type { ListenerInfo, ListenOptions, TlsOptions } from './types'
import { AppServer } from './http/app-server'
import type { UpgradeListener } from './http/app-server'
import { loadAppModule } from './workers/load-app'
import { WorkerPool } from './workers/pool'

/** Options of `Server` and `serve`. */
export interface ServerOptions {
  /**
   * Worker threads, each running its own copy of the app loaded from a module.
   * More than 1 needs `app` to be a module specifier. Default 1 (main thread).
   */
  workers?: number
  /**
   * Hears errors of the engine and of workers (crashes, restarts), not app
   * errors; also the error that made the server give up (then `run()` rejects
   * with it).
   */
  errorHandler?: (err: Error) => void
  /**
   * Hears warnings about an app module, each once (not once per worker):
   * `MGNODE_APP_LISTENS`, the module called `listen()` while it was loaded;
   * `MGNODE_APP_FACTORY_LIKE`, the app is a function that declares no
   * parameters, served as a listener without `factory`. Default `process.emitWarning`.
   */
  warningHandler?: (warning: MgnodeWarning) => void
  /**
   * The app is a module specifier whose export is a function that builds the
   * app: call it (and await it) in each thread that loads the module. A
   * function export is otherwise served as a request listener. Default false.
   */
  factory?: boolean
  /**
   * One line per request, written when its response ends: `'common'` or
   * `'combined'` (Apache/NCSA, by morgan) or `'json'` (JSON lines); or
   * `{ format, destination }` with a file path or a writable. With workers,
   * each worker logs and the main thread writes, so lines never interleave.
   * Off by default.
   */
  accessLog?: AccessLogSetting
  /**
   * ms a response may make no progress because its client stopped reading,
   * before its connection is aborted (0: never). Default 5000.
   */
  stallTimeout?: number
  /**
   * @deprecated Seconds, the old form of `stallTimeout` (which is in ms, as
   * every other timeout): still honoured when `stallTimeout` is not given.
   */
  streamTimeout?: number
  /** Largest request body in bytes (413 above). Default 16 MiB. */
  maxBodySize?: number
  /**
   * TLS for `https://` URLs: node:https's options (`cert`, `key`, `ca`,
   * `passphrase`, `minVersion`, `requestCert`, `SNICallback`, ...) and
   * `contexts` by server name. See the README's TLS section.
   */
  tls?: TlsOptions
  /** ms an idle keep-alive connection stays open. Default 5000. */
  keepAliveTimeout?: number
  /** ms a client has to send a request head. Default 60000. */
  headersTimeout?: number
  /** ms in-flight requests get to finish on shutdown. Default 10000. */
  shutdownTimeout?: number
  /**
   * Takes upgrade requests (WebSockets) of a request-listener app, as an
   * http.Server's `'upgrade'` listener: `(req, socket, head)`, e.g.
   * `(req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))`.
   * An app module can export `upgrade` instead, which is what worker threads
   * use (each takes the upgrades of the connections it serves). Listeners
   * added to `req.socket.server` ('upgrade', 'connect') take them too.
   * Without any, an upgrade request is an ordinary request.
   */
  onUpgrade?: UpgradeListener
}

/**
 * An app: a request listener, an Express/Koa/Connect/fetch app, or a module
 * specifier exporting one (`'./app.js'`, `'./app'`, `'./app.js:server'` for a
 * named export).
 */
/** A Node request listener, as `http.createServer` takes: Express and Connect apps are ones. */
export type RequestListenerApp = (req: IncomingMessage, res: ServerResponse) => unknown

/** An app object that gives its request listener: Koa's `callback()`, or one with `handle(req, res)`. */
export type CallbackApp = { callback(): RequestListenerApp } | { handle(req: IncomingMessage, res: ServerResponse): unknown }

/**
 * What `Server` and `serve` run: a request listener (Express, Connect), an
 * app with `callback()` (Koa) or `handle()`, a fetch app (Hono, `{ fetch }`,
 * or a function marked with `markFetch`), or the specifier of a module that
 * exports one as `default` or `app` (needed for `workers` > 1).
 */
export type App = RequestListenerApp | CallbackApp | FetchApp | string

/**
 * Serves an app on mgnode.
 *
 * ```js
 * const { Server } = require('mgnode')
 * const server = new Server(expressApp)
 * const { localAddr } = await server.listen('http://127.0.0.1:0')
 * await server.run() // until SIGINT/SIGTERM, then drains
 * ```
 */
export class Server {
  /** The low-level manager behind this server. */
  readonly manager: Manager
  readonly listeners: ListenerInfo[] = []
  #app: App
  #options: ServerOptions
  #pool: WorkerPool | null = null
  #poolStart: Promise<WorkerPool> | null = null
  #handler: Promise<Handler> | null = null
  /** `req.socket.server` of the app on the main thread; takes its upgrades. */
  #appServer: AppServer | null = null
  #closing: Promise<void> | null = null
  /** Why the server stopped on its own (the workers could not be kept up), if it did. */
  #failure: Error | null = null
  #onFailure: ((err: Error) => void) | null = null
  /** Ends `run()`'s wait when `close()` is called elsewhere. */
  #onClose: (() => void) | null = null
  #log: ResolvedAccessLog | null
  #logOutput: LogOutput | null = null
  #accessLog: AccessLog | undefined = undefined
  #warned = new Set<string>()

  constructor(app: App, options: ServerOptions = {}) {
    const workers = options.workers ?? 1
    if (!Number.isInteger(workers) || workers < 1) {
      throw new MgnodeError('ERR_INVALID_ARG_VALUE', `workers must be a positive integer, got ${String(options.workers)}`)
    }
    if (workers > 1 && options.onUpgrade !== undefined) {
      throw new MgnodeError(
        'ERR_MGNODE_WORKERS',
        'onUpgrade runs on the main thread, which serves no requests with workers: export `upgrade(req, socket, head)` from the app module instead',
      )
    }
    if (workers > 1 && typeof app !== 'string') {
      throw new MgnodeError(
        'ERR_MGNODE_WORKERS',
        `workers: ${workers} needs the app as a module each worker can load, e.g. new Server('./app.js', { workers: ${workers} }) ` +
          'where app.js exports the app as default or as "app"',
      )
    }
    this.#app = app
    this.#options = options
    this.#log = accessLogOptions(options.accessLog)
    this.manager = new Manager()
  }

  /** Starts listening on `url`; may be called for several URLs. */
  async listen(url: string): Promise<ListenerInfo> {
    if (this.#closing) throw new MgnodeError('ERR_SERVER_CLOSED', 'Server is closed')
    const options = this.#listenOptions()
    let info: ListenerInfo
    if ((this.#options.workers ?? 1) > 1) {
      const pool = await this.#startPool()
      info = await this.manager.listenForWorkers(url, options)
      await pool.attach(info.id)
    } else {
      info = await this.manager.listen(url, await this.#mainHandler(), options)
      const id = info.id
      this.#appServer?.watch((hooks) => this.manager.setHooks(id, hooks))
    }
    this.listeners.push(info)
    return info
  }

  /**
   * Serves until SIGINT or SIGTERM (or until `close()` is called elsewhere),
   * then drains in-flight requests and resolves. Rejects if the server had
   * to stop on its own: its workers failed to start again and again (code
   * `ERR_MGNODE_WORKERS_GAVE_UP`, after a graceful close).
   */
  async run(): Promise<void> {
    let stop = (): void => {}
    try {
      await new Promise<void>((resolve, reject) => {
        if (this.#failure !== null) {
          reject(this.#failure)
          return
        }
        if (this.#closing !== null) {
          resolve()
          return
        }
        stop = (): void => resolve()
        this.#onFailure = reject
        this.#onClose = stop
        process.on('SIGINT', stop)
        process.on('SIGTERM', stop)
      })
    } catch (err) {
      await this.close()
      throw err
    } finally {
      this.#onFailure = null
      this.#onClose = null
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    }
    await this.close()
  }

  /**
   * Stops listening, lets in-flight requests finish, stops workers and the
   * engine. Responses whose head is written from now on say `Connection: close`.
   */
  close(): Promise<void> {
    if (this.#closing === null) {
      // Raises the close signal before anything else, workers' threads included.
      const drained = this.manager.close(this.#options.shutdownTimeout ?? 10_000)
      this.#pool?.beginClosing()
      this.#closing = (async () => {
        await drained
        await this.#pool?.stop()
        this.#accessLog?.flush()
        this.#logOutput?.close()
      })()
      this.#onClose?.()
    }
    return this.#closing
  }

  /** The address of the first listener (`[host, port]`), or null before `listen()`. */
  get localAddr(): [string, number] | null {
    return this.listeners[0]?.localAddr ?? null
  }

  /** Thread ids of running workers (empty without workers). */
  get workerThreadIds(): number[] {
    return this.#pool?.threadIds ?? []
  }

  #listenOptions(): ListenOptions {
    const o = this.#options
    return {
      tls: o.tls,
      maxBodySize: o.maxBodySize,
      keepAliveTimeout: o.keepAliveTimeout,
      headersTimeout: o.headersTimeout,
      stallTimeout: o.stallTimeout ?? (o.streamTimeout === undefined ? undefined : Math.round(o.streamTimeout * 1000)),
    }
  }

  /** Where this thread's access log lines go, opened on first use. */
  #logWriter(): (text: string) => void {
    if (this.#logOutput === null) this.#logOutput = openDestination(this.#log?.destination)
    const output = this.#logOutput
    return (text) => output.write(text)
  }

  /** Each warning once (every worker loading the module reports the same). */
  #warn = (warning: MgnodeWarning): void => {
    if (this.#warned.has(warning.message)) return
    this.#warned.add(warning.message)
    if (this.#options.warningHandler) this.#options.warningHandler(warning)
    else process.emitWarning(warning)
  }

  #mainHandler(): Promise<Handler> {
    if (this.#handler === null) {
      if (this.#log !== null) this.#accessLog = new AccessLog(this.#log.format, this.#logWriter())
      const server = new AppServer(this.#options.onUpgrade)
      this.#appServer = server
      const options = { keepAliveTimeout: this.#options.keepAliveTimeout, accessLog: this.#accessLog, server }
      this.#handler =
        typeof this.#app === 'string'
          ? loadAppModule(this.#app, { factory: this.#options.factory, onWarning: this.#warn }).then(({ app, upgrade }) => {
              if (upgrade !== null) server.on('upgrade', upgrade)
              return createHandler(app, options)
            })
          : Promise.resolve(createHandler(this.#app, options))
    }
    return this.#handler
  }

  /** The workers cannot be kept up: say so, close, and let `run()` reject. */
  #gaveUp(err: Error): void {
    this.#failure = err
    if (this.#options.errorHandler) this.#options.errorHandler(err)
    else console.error(err)
    // run() must reject (before close() would end its wait as a normal stop).
    this.#onFailure?.(err)
    void this.close()
  }

  #startPool(): Promise<WorkerPool> {
    if (this.#poolStart === null) {
      const o = this.#options
      const pool = new WorkerPool(this.manager, this.#app as string, o.workers ?? 1, {
        errorHandler: o.errorHandler,
        onGiveUp: (err) => this.#gaveUp(err),
        warningHandler: this.#warn,
        factory: o.factory,
        keepAliveTimeout: o.keepAliveTimeout,
        accessLog: this.#log === null ? undefined : { format: this.#log.format, write: this.#logWriter() },
      })
      this.#pool = pool
      this.#poolStart = pool.start().then(() => pool)
    }
    return this.#poolStart
  }
}

/** `Server` under the name cymongoose users know. */
export const WSGIServer = Server

/**
 * Serves `app` on `url`, and goes on serving until SIGINT or SIGTERM, when it
 * drains in-flight requests and stops. Resolves once it is listening, with
 * the `Server`: `localAddr` gives the port (port 0 picks a free one) and
 * `close()` stops it early. If the server ever has to give up (its workers
 * cannot be started), the error is reported and the process exits with a
 * non-zero code, as for an uncaught error.
 *
 * ```js
 * const { serve } = require('mgnode')
 * serve(app, 'http://0.0.0.0:8000')
 * serve('./app.js', 'http://0.0.0.0:8000', { workers: 4 }).then((server) => console.log(server.localAddr))
 * ```
 */
export async function serve(app: App, url: string, options: ServerOptions = {}): Promise<Server> {
  const server = new Server(app, options)
  try {
    await server.listen(url)
  } catch (err) {
    await server.close()
    throw err
  }
  server.run().catch((err: unknown) => {
    // Nothing awaits run() here: a server that gave up must still end the process, loudly.
    process.nextTick(() => {
      throw err
    })
  })
  return server
}
