/**
 * The per-request path of a fetch app: engine request → `LazyRequest` → app →
 * `Response` → reply. Loaded on first use (see `handler.ts`): it needs Node's
 * fetch classes, which Node itself only loads when they are first touched.
 */
import type { Handler } from '../dispatch'
import type { Reply } from '../reply'
import type { EngineRequest } from '../types'
import { installFastResponse } from './fast-response'
import { LazyRequest } from './lazy-request'
import { installRequestGlobals, STAND_INS_ACCEPTED } from './request-globals'
import { requestUrl } from './request-url'
import { sendResponse } from './send-response'
import type { FetchHandlerOptions } from './types'

const BAD_REQUEST_HEADERS = Object.freeze(['content-type', 'text/plain; charset=utf-8', 'connection', 'close'])

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
}

/** The engine handler calling `call(request, env)` for each request. */
export function makeFetchHandler(
  call: (request: Request, env: EngineRequest) => unknown,
  options: FetchHandlerOptions,
): Handler {
  const globals = options.fastResponse !== false
  if (globals) {
    installFastResponse()
    installRequestGlobals()
  }
  // Where undici refuses a stand-in and the globals are left alone, handlers get Node's own Request.
  const lazy = globals || STAND_INS_ACCEPTED

  return function handleFetch(req: EngineRequest, reply: Reply): unknown {
    const url = requestUrl(req)
    if (url === null) {
      reply.send(400, BAD_REQUEST_HEADERS, 'Bad Request')
      return undefined
    }
    const isHead = req.method === 'HEAD'
    const request = new LazyRequest(url, req, reply)
    const result = call(lazy ? (request as unknown as Request) : LazyRequest.realOf(request), req)
    // Sync handlers (most Hono routes) are answered without a promise.
    if (isThenable(result)) return Promise.resolve(result).then((res) => sendResponse(res, reply, isHead))
    return sendResponse(result, reply, isHead)
  }
}
