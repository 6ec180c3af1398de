/**
 * Turns whatever a user calls their app into an engine handler: a request
 * listener (Express, Connect), a Koa app (`callback()`), anything with
 * `handle(req, res)`, or a fetch app (Hono, `{ fetch }`).
 */
import type { RequestListener } from 'node:http'

import type { AccessLog } from './access-log'
import type { Handler } from './dispatch'
import { MgnodeError } from './errors'
import { fetchHandler, isFetchApp } from './fetch'
import { AppServer } from './http/app-server'
import { nodeHandler } from './http/exchange'
import { emitExpectation } from './http/server-hooks'
import { LISTEN_DEFAULTS } from './native'

/** Settings that shape the handler. */
export interface AppHandlerOptions {
  /** ms advertised in `Keep-Alive: timeout=N`. */
  keepAliveTimeout?: number
  /** Logs each request; without it nothing is logged and nothing is added to a request's path. */
  accessLog?: AccessLog
  /**
   * `req.socket.server` of a request-listener app, whose 'upgrade' and
   * 'connect' listeners take those requests (fetch apps take none).
   */
  server?: AppServer
}

/** The request listener of a Node-style app, or null if it is not one. */
export function toRequestListener(app: unknown): RequestListener | null {
  if (typeof app === 'function') {
    const fn = app as RequestListener & { callback?: unknown }
    // Koa apps are objects, but some wrappers are callable with a callback() too.
    return fn
  }
  if (app === null || typeof app !== 'object') return null
  const obj = app as { callback?: () => RequestListener; handle?: (req: unknown, res: unknown) => unknown }
  if (typeof obj.callback === 'function') return obj.callback()
  if (typeof obj.handle === 'function') {
    const handle = obj.handle.bind(obj)
    return (req, res) => handle(req, res)
  }
  return null
}

/** Builds the engine handler for an app. */
export function createHandler(app: unknown, options: AppHandlerOptions = {}): Handler {
  const log = options.accessLog
  if (isFetchApp(app)) return log === undefined ? fetchHandler(app) : log.wrap(fetchHandler(app))
  const listener = toRequestListener(app)
  if (listener === null) {
    throw new MgnodeError(
      'ERR_MGNODE_NO_APP',
      'Expected a request listener (req, res), an Express/Koa/Connect app, or a fetch app ({ fetch(request) })',
    )
  }
  const server = options.server
  return nodeHandler(listener, {
    keepAliveTimeout: options.keepAliveTimeout ?? LISTEN_DEFAULTS.keepAliveTimeout,
    onRequest: log?.nodeHook,
    server,
    onUpgrade: server === undefined ? undefined : (req, socket, head) => server._take(req, socket, head),
    onExpectation: server === undefined ? undefined : (event, req, res) => emitExpectation(server, event, req, res),
  })
}
