/** `fetchHandler()`: a fetch app as a low-level engine handler. */
import type { Handler } from '../dispatch'
import { MgnodeError } from '../errors'
import type { Reply } from '../reply'
import type { EngineRequest } from '../types'
import { fetchFunctionOf, isFetchApp } from './detect'
import { installFastResponse } from './fast-response'
import { LazyRequest } from './lazy-request'
import { requestUrl } from './request-url'
import { sendResponse } from './send-response'
import type { FetchApp, FetchHandlerOptions } from './types'

const BAD_REQUEST_HEADERS = Object.freeze(['content-type', 'text/plain; charset=utf-8', 'connection', 'close'])

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
  if (options.fastResponse !== false) installFastResponse()
  const call = fetchFunctionOf(app)

  return function handleFetch(req: EngineRequest, reply: Reply): unknown {
    const url = requestUrl(req)
    if (url === null) {
      reply.send(400, BAD_REQUEST_HEADERS, 'Bad Request')
      return undefined
    }
    const isHead = req.method === 'HEAD'
    const result = call(new LazyRequest(url, req, reply) as unknown as Request, req)
    if (result instanceof Promise || isThenable(result)) {
      return Promise.resolve(result).then((res) => sendResponse(res, reply, isHead))
    }
    return sendResponse(result, reply, isHead)
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
}
