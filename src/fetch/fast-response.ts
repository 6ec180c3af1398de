/**
 * `FastResponse`: a stand-in for the global `Response` that keeps the body and
 * init it was given and builds Node's own `Response` (several microseconds
 * each) only when something reads more than status and headers. The adapter
 * sends a still-lazy one straight from its string or bytes, in one piece.
 */
import { forwardMissing, INSPECT } from './forward'
import { isSourceStream, isTaken, isUsable, sourceStream } from './source-stream'

/** Node's own `Response`, whatever the global is later replaced with. */
export const RealResponse: typeof Response = globalThis.Response

type HeadersInit = ConstructorParameters<typeof Headers>[0]

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304])

/** Content-Type a body brings when the init gives none, as the Fetch standard defines it. */
export function defaultContentType(body: unknown): string | null {
  if (typeof body === 'string') return 'text/plain;charset=UTF-8'
  if (body instanceof URLSearchParams) return 'application/x-www-form-urlencoded;charset=UTF-8'
  if (body instanceof Blob && body.type !== '') return body.type
  return null
}

/** The bytes or text of a body held in memory; undefined for blobs, streams and null. */
export function inMemory(body: unknown): string | Uint8Array | undefined {
  if (typeof body === 'string' || body instanceof Uint8Array) return body
  if (body instanceof ArrayBuffer) return new Uint8Array(body)
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
  if (body instanceof URLSearchParams) return body.toString()
  return undefined
}

/** Bodies kept as they are; anything else is handed to the real `Response` at once. */
function isKeptBody(body: unknown): boolean {
  return (
    body === null ||
    body === undefined ||
    typeof body === 'string' ||
    body instanceof Uint8Array ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof URLSearchParams ||
    body instanceof Blob ||
    body instanceof ReadableStream
  )
}

/**
 * Installed as the global `Response` by `fetchHandler()` (unless
 * `fastResponse: false`). Application code does not name it:
 *
 * ```js
 * const res = new Response('hello', { status: 201 })  // a FastResponse
 * res instanceof Response                              // true
 * await res.text()                                     // 'hello' (builds the real one)
 * ```
 */
export class FastResponse {
  #body: unknown
  #status: number
  #statusText: string
  #headersInit: unknown
  #headers: Headers | undefined = undefined
  #stream: ReadableStream<Uint8Array> | undefined = undefined
  #real: Response | undefined = undefined

  constructor(body?: unknown, init?: ResponseInit) {
    const status = init?.status
    this.#status = status === undefined ? 200 : Number(status)
    this.#statusText = init?.statusText === undefined ? '' : String(init.statusText)
    this.#headersInit = init?.headers
    this.#body = body ?? null
    // The same checks, and the same errors, as the real constructor for what is kept here.
    if (!Number.isInteger(this.#status) || this.#status < 200 || this.#status > 599) {
      throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`)
    }
    if (this.#body !== null && NULL_BODY_STATUS.has(this.#status)) {
      throw new TypeError('Response constructor: Invalid response status code ' + this.#status)
    }
    if (this.#body instanceof ReadableStream && !isUsable(this.#body)) {
      throw new TypeError('Response body object should not be disturbed or locked')
    }
    if (!isKeptBody(this.#body)) FastResponse.realOf(this)
  }

  get status(): number {
    return this.#real !== undefined ? this.#real.status : this.#status
  }

  get ok(): boolean {
    const status = this.status
    return status >= 200 && status <= 299
  }

  get statusText(): string {
    return this.#real !== undefined ? this.#real.statusText : this.#statusText
  }

  /** Built on first use from the init headers plus the body's default Content-Type. */
  get headers(): Headers {
    if (this.#real !== undefined) return this.#real.headers
    if (this.#headers === undefined) {
      const headers = new Headers(this.#headersInit as HeadersInit)
      const type = defaultContentType(this.#body)
      if (type !== null && !headers.has('content-type')) headers.set('content-type', type)
      this.#headers = headers
    }
    return this.#headers
  }

  /**
   * For bodies held in memory, a stream that remembers them (see
   * `source-stream.ts`), so a response rebuilt from this one's body can still
   * be sent in one piece. Other bodies come from the real `Response`.
   */
  get body(): ReadableStream<Uint8Array> | null {
    if (this.#real !== undefined) return this.#real.body
    if (this.#stream !== undefined) return this.#stream
    // Rebuilt from another response's in-memory body: pass that stream on as it is.
    if (isSourceStream(this.#body)) return this.#body
    const bytes = inMemory(this.#body)
    if (bytes !== undefined) return (this.#stream = sourceStream(bytes))
    if (this.#body === null) return null
    return FastResponse.realOf(this).body
  }

  get bodyUsed(): boolean {
    if (this.#real !== undefined) return this.#real.bodyUsed
    const stream = this.#stream ?? this.#body
    return isSourceStream(stream) && isTaken(stream)
  }

  /** True for stand-ins, whether or not they built their real `Response` yet. @internal */
  static isFast(res: object): res is FastResponse {
    return #real in res
  }

  /** True while nothing but status and headers has been read, so `lazyBody` is what to send. @internal */
  static isLazy(res: object): res is FastResponse {
    return #real in res && (res as FastResponse).#real === undefined
  }

  /**
   * What a lazy response was made from: the body as given, and the headers as
   * given (or the `Headers` made from them if they were read). @internal
   */
  static lazyBody(res: FastResponse): unknown {
    return res.#body
  }

  /** @internal */
  static lazyHeaders(res: FastResponse): unknown {
    return res.#headers ?? res.#headersInit
  }

  /** The stream `body` handed out, if it was asked for. @internal */
  static lazyStream(res: FastResponse): ReadableStream<Uint8Array> | undefined {
    return res.#stream
  }

  /** Node's own `Response` with the same status, headers and body, made once. */
  static realOf(res: FastResponse): Response {
    if (res.#real === undefined) {
      // Once `body` was handed out, the real response must use that very stream (and so
      // cannot derive the Content-Type from the body itself: take it from `headers`).
      const stream = res.#stream
      const headers = (stream !== undefined ? res.headers : res.#headers ?? res.#headersInit) as HeadersInit
      const init: ResponseInit = { status: res.#status, statusText: res.#statusText, headers }
      const body = stream ?? res.#body
      res.#real = new RealResponse(body as ConstructorParameters<typeof Response>[0], init)
    }
    return res.#real
  }

  /** A lazy response too: the JSON text is its body, `application/json` its default Content-Type. */
  static json(data: unknown, init?: ResponseInit): Response {
    const text = JSON.stringify(data)
    // `undefined`, a function or a symbol: the real one throws its TypeError.
    if (typeof text !== 'string') return RealResponse.json(data, init)
    const headers = new Headers(init?.headers)
    if (!headers.has('content-type')) headers.set('content-type', 'application/json')
    return new FastResponse(text, { status: init?.status, statusText: init?.statusText, headers }) as unknown as Response
  }

  static error(): Response {
    return RealResponse.error()
  }

  static redirect(...args: Parameters<typeof Response.redirect>): Response {
    return RealResponse.redirect(...args)
  }

  /** Responses made by Node's own class (by `fetch()`, say) are Responses too. Subclasses check as usual. */
  static [Symbol.hasInstance](this: unknown, value: unknown): boolean {
    if (this !== FastResponse) return Function.prototype[Symbol.hasInstance].call(this, value)
    return typeof value === 'object' && value !== null && RealResponse.prototype.isPrototypeOf(value)
  }

  [INSPECT](_depth: number, options: object, inspect: (value: unknown, options: object) => string): string {
    return inspect(FastResponse.realOf(this), options)
  }
}

Object.setPrototypeOf(FastResponse.prototype, RealResponse.prototype)
Object.setPrototypeOf(FastResponse, RealResponse)
forwardMissing(FastResponse.prototype, RealResponse.prototype, new RealResponse(null), (self) =>
  FastResponse.realOf(self as FastResponse),
)

/** Makes `FastResponse` the global `Response` (once per thread). */
export function installFastResponse(): void {
  if (globalThis.Response !== (FastResponse as unknown as typeof Response)) {
    Object.defineProperty(globalThis, 'Response', {
      configurable: true,
      writable: true,
      enumerable: false,
      value: FastResponse,
    })
  }
}
