/**
 * The global `Request` and `fetch` where Node's own cannot read a
 * `LazyRequest`.
 *
 * Up to Node 22, undici keeps a Request's state in symbol-keyed slots, which a
 * `LazyRequest` forwards, so `new Request(request)` and `fetch(request)` take
 * the request a handler was given. Node 24's undici keeps it in a private
 * field that only its own instances have: both throw "Cannot read private
 * member #state". There, these two globals hand undici the real request
 * instead (Hono's `bodyLimit()` does `new Request(c.req.raw, ...)`; a proxy
 * route does `fetch(c.req.raw)`).
 */
import { forwardMissing } from './forward'
import { LazyRequest } from './lazy-request'

const RealRequest = globalThis.Request

type RequestInput = ConstructorParameters<typeof RealRequest>[0]

/** True where undici takes an object that forwards a Request's slots as a Request (Node 20 and 22). */
export const STAND_INS_ACCEPTED = ((): boolean => {
  const sample = new RealRequest('http://localhost/')
  class Probe {}
  Object.setPrototypeOf(Probe.prototype, RealRequest.prototype)
  forwardMissing(Probe.prototype, RealRequest.prototype, sample, () => sample)
  try {
    return new RealRequest(new Probe() as Request).url === sample.url
  } catch {
    return false
  }
})()

/** The real request behind a `LazyRequest`; anything else as it is. */
function unwrap<T>(input: T): T {
  return input instanceof LazyRequest ? (LazyRequest.realOf(input) as T) : input
}

/** `Request`, taking a handler's request as input too. Node's own requests pass `instanceof` as well. */
class Request extends RealRequest {
  constructor(input: RequestInput, init?: RequestInit) {
    super(unwrap(input), init)
  }

  static override [Symbol.hasInstance](this: unknown, value: unknown): boolean {
    if (this !== Request) return Function.prototype[Symbol.hasInstance].call(this, value)
    return typeof value === 'object' && value !== null && RealRequest.prototype.isPrototypeOf(value)
  }
}

let installed = false

/**
 * Where stand-ins are refused, makes the global `Request` and `fetch` unwrap a
 * handler's request (once per thread). `fetch` wraps whatever the global is
 * now, so a mock installed before stays in use.
 */
export function installRequestGlobals(): void {
  if (STAND_INS_ACCEPTED || installed) return
  installed = true
  const previousFetch = globalThis.fetch
  const fetch = (input: RequestInput, init?: RequestInit): Promise<Response> => previousFetch(unwrap(input), init)
  for (const [name, value] of [
    ['Request', Request],
    ['fetch', fetch],
  ] as const) {
    Object.defineProperty(globalThis, name, { configurable: true, writable: true, enumerable: false, value })
  }
}
