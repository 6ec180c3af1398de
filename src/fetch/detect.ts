/** Telling fetch apps apart from request listeners, and calling them uniformly. */
import type { EngineRequest } from '../types'
import type { FetchApp, FetchFunction } from './types'

/** Set on functions that `markFetch()` declared to be fetch handlers. */
const FETCH_MARK = Symbol.for('mgnode.fetchHandler')

/**
 * Declares `fn` a fetch handler `(request) => Response`, so that `serve()` does
 * not mistake it for a Node request listener `(req, res)`. Returns `fn`.
 *
 * ```js
 * const { serve, markFetch } = require('mgnode')
 * serve(markFetch((request) => new Response('hi')), 'http://127.0.0.1:8000')
 * ```
 */
export function markFetch<F extends FetchFunction>(fn: F): F {
  if (typeof fn !== 'function') throw new TypeError('markFetch() expects a function')
  Object.defineProperty(fn, FETCH_MARK, { value: true })
  return fn
}

/**
 * True for fetch apps: objects with a `fetch` method (Hono apps, `{ fetch }`
 * module exports), functions marked with `markFetch()`, and functions named
 * `fetch` (such as a bare `app.fetch` or `export function fetch`).
 *
 * ```js
 * isFetchApp(new Hono())          // true
 * isFetchApp({ fetch: handler })  // true
 * isFetchApp((req, res) => {})    // false
 * ```
 */
export function isFetchApp(app: unknown): app is FetchApp {
  if (typeof app === 'function') {
    return (app as unknown as Record<symbol, unknown>)[FETCH_MARK] === true || app.name === 'fetch'
  }
  return typeof app === 'object' && app !== null && typeof (app as { fetch?: unknown }).fetch === 'function'
}

/** The app as a plain two-argument function, `this` bound once rather than per request. */
export function fetchFunctionOf(app: FetchApp): (request: Request, env: EngineRequest) => unknown {
  if (typeof app === 'function') return app
  const method = app.fetch
  return (request, env) => method.call(app, request, env, undefined)
}
