/**
 * `SourceStream`: the `body` stream of a response whose body is in memory.
 *
 * Middleware often rebuilds a response from another one's body (Hono does
 * `new Response(res.body, res)` whenever a middleware such as `cors()` touched
 * `c.res` first). A real `ReadableStream` costs microseconds to make in Node,
 * and pumping it costs more. A `SourceStream` passes `instanceof
 * ReadableStream` and behaves as one, but only makes the real stream when
 * something uses it; until then the adapter can claim the string or bytes
 * behind it and send them in one piece.
 */
import { forwardMissing, INSPECT } from './forward'

const RealReadableStream = globalThis.ReadableStream

export class SourceStream {
  #value: string | Uint8Array
  #taken = false
  #real: ReadableStream<Uint8Array> | undefined = undefined

  constructor(value: string | Uint8Array) {
    this.#value = value
  }

  /** The real stream, made on first use. It yields the value once, and only when read. */
  static realOf(self: SourceStream): ReadableStream<Uint8Array> {
    if (self.#real === undefined) {
      const value = self.#value
      self.#real = new RealReadableStream<Uint8Array>(
        {
          pull(controller) {
            self.#taken = true
            controller.enqueue(typeof value === 'string' ? Buffer.from(value) : value)
            controller.close()
          },
          cancel() {
            self.#taken = true
          },
        },
        // Pulled only when read: an unread stream can still be claimed.
        { highWaterMark: 0 },
      )
    }
    return self.#real
  }

  static isSourceStream(value: unknown): value is ReadableStream<Uint8Array> {
    return typeof value === 'object' && value !== null && #taken in value
  }

  /** True if `stream` is a SourceStream that was read, cancelled or claimed. */
  static isTaken(stream: object): boolean {
    return #taken in stream && (stream as SourceStream).#taken
  }

  /** False for a stream that is locked, or a SourceStream already used; checked without making its real stream. */
  static isUsable(stream: ReadableStream): boolean {
    if (!(#taken in stream)) return !stream.locked
    const self = stream as unknown as SourceStream
    return !self.#taken && (self.#real === undefined || !self.#real.locked)
  }

  /**
   * For a SourceStream nobody has read or locked: its value, now marked taken.
   * `null` if it was used already; undefined for any other stream.
   */
  static claim(stream: object): string | Uint8Array | null | undefined {
    if (!(#taken in stream)) return undefined
    const self = stream as SourceStream
    if (self.#taken || (self.#real !== undefined && self.#real.locked)) return null
    self.#taken = true
    return self.#value
  }

  [INSPECT](_depth: number, options: object, inspect: (value: unknown, options: object) => string): string {
    return inspect(SourceStream.realOf(this), options)
  }
}

Object.setPrototypeOf(SourceStream.prototype, RealReadableStream.prototype)
forwardMissing(SourceStream.prototype, RealReadableStream.prototype, new RealReadableStream(), (self) =>
  SourceStream.realOf(self as SourceStream),
)

/** A stream over `value` that the adapter can still send whole while nobody reads it. */
export function sourceStream(value: string | Uint8Array): ReadableStream<Uint8Array> {
  return new SourceStream(value) as unknown as ReadableStream<Uint8Array>
}

export const isSourceStream = SourceStream.isSourceStream
export const isTaken = SourceStream.isTaken
export const isUsable = SourceStream.isUsable
export const claimSource = SourceStream.claim
