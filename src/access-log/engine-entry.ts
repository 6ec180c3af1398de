/**
 * Access log entries for handlers that answer through `Reply.send()` /
 * `writeHead()` (fetch apps): the reply's tap learns the status and length,
 * and at the end the line is formatted from request- and response-shaped
 * views, so fetch apps log exactly as request listeners do through morgan.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'

import type Morgan from 'morgan'

import type { ReplyTap } from '../reply'
import type { EngineRequest } from '../types'
import type { LineFormat } from './formats'

/** The members of `http.IncomingMessage` that the formats read. */
class LoggedRequest {
  readonly method: string
  readonly url: string
  readonly httpVersionMajor = 1
  readonly httpVersionMinor: number
  readonly _remoteAddress: string
  readonly _startAt = process.hrtime()
  readonly socket: { remoteAddress: string }
  #raw: string[]
  #headers: IncomingHttpHeaders | null = null

  constructor(req: EngineRequest) {
    this.method = req.method
    this.url = req.url
    this.httpVersionMinor = req.httpVersion === '1.0' ? 0 : 1
    this._remoteAddress = req.remoteAddress
    this.socket = { remoteAddress: req.remoteAddress }
    this.#raw = req.rawHeaders
  }

  /** Lower-cased names, repeated values joined with ", " (built only when a line is formatted). */
  get headers(): IncomingHttpHeaders {
    if (this.#headers === null) {
      const headers: Record<string, string> = {}
      const raw = this.#raw
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const name = raw[i].toLowerCase()
        headers[name] = name in headers ? `${headers[name]}, ${raw[i + 1]}` : raw[i + 1]
      }
      this.#headers = headers
    }
    return this.#headers
  }
}

/** The members of `http.ServerResponse` that the formats read. */
class LoggedResponse {
  statusCode = 0
  headersSent = false
  _startAt: [number, number] | undefined = undefined
  contentLength = -1

  getHeader(name: string): string | undefined {
    if (name.toLowerCase() !== 'content-length' || this.contentLength < 0) return undefined
    return String(this.contentLength)
  }
}

/** One request's entry: told by its reply what went out, writes the line when it ends. */
export class EngineLogEntry implements ReplyTap {
  readonly #req: LoggedRequest
  readonly #res = new LoggedResponse()
  readonly #format: LineFormat
  readonly #tokens: typeof Morgan
  readonly #write: (line: string) => void

  constructor(req: EngineRequest, format: LineFormat, tokens: typeof Morgan, write: (line: string) => void) {
    this.#req = new LoggedRequest(req)
    this.#format = format
    this.#tokens = tokens
    this.#write = write
  }

  _head(status: number, contentLength: number): void {
    const res = this.#res
    res.statusCode = status
    res.headersSent = true
    res.contentLength = contentLength
    res._startAt = process.hrtime()
  }

  _end(): void {
    // The views have every member the formats read; the casts only satisfy morgan's typings.
    const line = this.#format(
      this.#tokens as unknown as Morgan.TokenIndexer<IncomingMessage, ServerResponse>,
      this.#req as unknown as IncomingMessage,
      this.#res as unknown as ServerResponse,
    )
    if (line !== null && line !== undefined) this.#write(line + '\n')
  }
}
