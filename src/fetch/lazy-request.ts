/**
 * `LazyRequest`: what a fetch handler receives. It passes `instanceof Request`
 * and behaves like one, but answers `method`, `url`, `headers`, `signal` and
 * the common body readers (`text`, `json`, `arrayBuffer`, `bytes`) straight
 * from the engine's request; Node's own `Request` (costly to build) is only
 * made when something else is asked for (`body`, `formData()`, `clone()`, ...).
 */
import { Readable } from 'node:stream'

import type { Reply } from '../reply'
import type { EngineRequest } from '../types'
import { forwardMissing, INSPECT } from './forward'

const RealRequest = globalThis.Request
const EMPTY = Buffer.alloc(0)
const noop = (): void => {}

/** Headers in arrival order, duplicates appended; a value Node's `Headers` rejects is left out. */
function headersFrom(rawHeaders: readonly string[]): Headers {
  const headers = new Headers()
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    try {
      headers.append(rawHeaders[i], rawHeaders[i + 1])
    } catch {
      // The engine accepted it; the WHATWG rules are stricter. Leaving one header out beats failing the request.
    }
  }
  return headers
}

/** UTF-8 decoding as `Body.text()` does it: a leading byte-order mark is dropped. */
function decodeUtf8(buf: Buffer): string {
  const bom = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf
  return bom ? buf.toString('utf8', 3) : buf.toString('utf8')
}

/** The bytes as an ArrayBuffer, without copying when the buffer spans its whole backing store. */
function toArrayBuffer(buf: Buffer): ArrayBuffer {
  if (buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength && buf.buffer instanceof ArrayBuffer) {
    return buf.buffer
  }
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer
}

/** A one-chunk stream over the bytes, viewing them rather than copying. */
function streamOf(buf: Buffer): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength))
      controller.close()
    },
  })
}

/**
 * The WHATWG `Request` a fetch handler receives.
 *
 * ```js
 * const handler = fetchHandler({
 *   async fetch(request) {
 *     const { name } = await request.json()   // read from the engine's buffer, no stream
 *     return Response.json({ hello: name, from: new URL(request.url).host })
 *   },
 * })
 * ```
 */
export class LazyRequest {
  #url: string
  #req: EngineRequest
  #reply: Reply
  #hasBody: boolean
  #used = false
  #headers: Headers | undefined = undefined
  #controller: AbortController | undefined = undefined
  #real: Request | undefined = undefined

  constructor(url: string, req: EngineRequest, reply: Reply) {
    this.#url = url
    this.#req = req
    this.#reply = reply
    // Per the Fetch standard GET and HEAD carry no body; an empty body is no body either.
    this.#hasBody = (req.body.length > 0 || req.streamed) && req.method !== 'GET' && req.method !== 'HEAD'
    // A body still arriving is only read through a stream (the real Request's).
    if (this.#hasBody && req.streamed) this.#real = LazyRequest.realOf(this)
  }

  get method(): string {
    // The engine passes only node:http's methods, all upper case, so none needs the Fetch standard's normalising.
    return this.#req.method
  }

  get url(): string {
    return this.#url
  }

  /** Built from the raw headers on first use. */
  get headers(): Headers {
    if (this.#real !== undefined) return this.#real.headers
    return (this.#headers ??= headersFrom(this.#req.rawHeaders))
  }

  /** Aborts when the client disconnects before the response is complete. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = new AbortController()
      this.#controller = controller
      const reply = this.#reply
      if (reply.aborted) {
        controller.abort()
      } else if (!reply.finished) {
        const previous = reply.onclose
        reply.onclose = (aborted) => {
          controller.abort()
          previous?.(aborted)
        }
      }
    }
    return this.#controller.signal
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.#real === undefined && !this.#hasBody) return null
    return LazyRequest.realOf(this).body
  }

  get bodyUsed(): boolean {
    return this.#real !== undefined ? this.#real.bodyUsed : this.#used
  }

  async text(): Promise<string> {
    if (this.#real !== undefined) return this.#real.text()
    return decodeUtf8(this.#take())
  }

  async json(): Promise<unknown> {
    if (this.#real !== undefined) return this.#real.json()
    return JSON.parse(decodeUtf8(this.#take()))
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    if (this.#real !== undefined) return this.#real.arrayBuffer()
    return toArrayBuffer(this.#take())
  }

  async bytes(): Promise<Uint8Array> {
    if (this.#real !== undefined) return (this.#real as Request & { bytes(): Promise<Uint8Array> }).bytes()
    const buf = this.#take()
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
  }

  /** The body, marking it used; an error if it already was, as the standard asks. */
  #take(): Buffer {
    if (!this.#hasBody) return EMPTY
    if (this.#used) throw new TypeError('Body is unusable: Body has already been read')
    this.#used = true
    return this.#req.body
  }

  /** Node's own `Request` for the same exchange, made once. */
  static realOf(self: LazyRequest): Request {
    if (self.#real === undefined) {
      const init: RequestInit = { method: self.method, headers: self.headers, signal: self.signal }
      if (self.#hasBody) {
        const stream = self.#req.streamed ? self.#req.bodyStream : null
        // A streamed body is read as it arrives; the engine reads on as the app reads.
        init.body = stream !== null ? (Readable.toWeb(stream) as ReadableStream<Uint8Array>) : streamOf(self.#req.body)
        init.duplex = 'half'
      }
      const real = new RealRequest(self.#url, init)
      // Already read through text()/json()/...: the real one must report a used body too.
      if (self.#used) real.arrayBuffer().then(noop, noop)
      self.#real = real
    }
    return self.#real
  }

  [INSPECT](_depth: number, options: object, inspect: (value: unknown, options: object) => string): string {
    return inspect(LazyRequest.realOf(this), options)
  }
}

// `instanceof Request` holds, and everything not defined above reaches the real Request.
Object.setPrototypeOf(LazyRequest.prototype, RealRequest.prototype)
forwardMissing(LazyRequest.prototype, RealRequest.prototype, new RealRequest('http://localhost/'), (self) =>
  LazyRequest.realOf(self as LazyRequest),
)
