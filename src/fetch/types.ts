/** Types of the fetch-app adapter: what counts as a fetch app, and its options. */
import type { EngineRequest } from '../types'

/**
 * A fetch handler: takes a WHATWG `Request` and answers with a `Response` or a
 * promise of one. The second argument carries the connection details
 * (`remoteAddress`, `remotePort`, `localAddress`, `localPort`, `tls`, ...);
 * Hono exposes it as `c.env`.
 */
export type FetchFunction = (request: Request, env: EngineRequest) => Response | PromiseLike<Response>

/** An object with a `fetch` method: a Hono app, or a module's `export default { fetch }`. */
export interface FetchObject {
  // Method syntax on purpose: Hono's `fetch` types its extra parameters as its own bindings.
  fetch(request: Request, env: EngineRequest, executionContext: undefined): Response | PromiseLike<Response>
}

/** Anything `fetchHandler()` accepts. */
export type FetchApp = FetchObject | FetchFunction

/** Options of `fetchHandler()`. */
export interface FetchHandlerOptions {
  /**
   * Replace the global `Response` with a lightweight subclass-compatible one
   * that keeps its body and init as given until something reads them, so a
   * handler's `new Response('text')` costs next to nothing and is sent in one
   * piece. `instanceof Response` keeps working for both kinds. On Node 24 and
   * later the global `Request` and `fetch` are wrapped too, so that they take
   * the request a handler was given. Default `true`; set `false` to leave the
   * globals alone (every response then pays for Node's own `Response`, and on
   * Node 24 every request for Node's own `Request`).
   */
  fastResponse?: boolean
}
