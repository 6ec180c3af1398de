/** `fetchHandler()`: a fetch app as a low-level engine handler. */
import type { Handler } from '../dispatch'
import { MgnodeError } from '../errors'
import { fetchFunctionOf, isFetchApp } from './detect'
import type * as HandleFetch from './handle-fetch'
import type { FetchApp, FetchHandlerOptions } from './types'

let handleFetch: typeof HandleFetch | undefined

/**
 * Turns a fetch app (a Hono app, `{ fetch }`, or a `markFetch()`ed function)
 * into a handler for `Manager.listen()`. Each request reaches the app as a
 * WHATWG `Request`; the `Response` it returns (or resolves to) is written back,
 * in one piece when its body is in memory, streamed with backpressure when it
 * is a stream. A throw or rejection answers 500 and logs the stack.
 *
 * ```js
 * const { Hono } = require('hono')
 * const { Manager, fetchHandler } = require('mgnode')
 * const app = new Hono().get('/hi/:name', (c) => c.json({ hi: c.req.param('name') }))
 * await new Manager().listen('http://127.0.0.1:8000', fetchHandler(app))
 * ```
 */
export function fetchHandler(app: FetchApp, options: FetchHandlerOptions = {}): Handler {
  if (!isFetchApp(app) && typeof app !== 'function') {
    throw new MgnodeError('ERR_INVALID_ARG_TYPE', 'fetchHandler() expects an object with a fetch() method or a function')
  }
  // Loaded here rather than imported: apps that are not fetch apps never pay for Node's fetch classes.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  handleFetch ??= require('./handle-fetch') as typeof HandleFetch
  return handleFetch.makeFetchHandler(fetchFunctionOf(app), options)
}
