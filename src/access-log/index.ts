/**
 * The access log: one line per request, written when its response ends, in
 * `common` or `combined` (Apache/NCSA) form or as JSON lines. Request
 * listeners are logged by morgan's own middleware on their genuine
 * `req`/`res`; fetch apps by the same line formats over what their replies
 * sent. Off unless asked for, and then nothing of it is even loaded.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

import type { Handler } from '../dispatch'
import { MgnodeError } from '../errors'
import type { Reply } from '../reply'
import type { EngineRequest } from '../types'
import type { AccessLogDestination } from './destination'
import { EngineLogEntry } from './engine-entry'
import { ACCESS_LOG_FORMATS, lineFormat, loadMorgan } from './formats'
import type { AccessLogFormat, LineFormat } from './formats'
import { LineBatcher } from './line-batcher'

export type { AccessLogDestination } from './destination'
export { openDestination } from './destination'
export type { LogOutput } from './destination'
export type { AccessLogFormat } from './formats'
export { ACCESS_LOG_FORMATS } from './formats'

/** Access log settings of `Server`. */
export interface AccessLogOptions {
  /** Line format. Default `'combined'`. */
  format?: AccessLogFormat
  /** Where lines go. Default `process.stdout`. */
  destination?: AccessLogDestination
}

/** `accessLog` as given to `Server`: a format, or format and destination. */
export type AccessLogSetting = AccessLogFormat | AccessLogOptions

/** `AccessLogOptions` with the format settled. */
export interface ResolvedAccessLog {
  format: AccessLogFormat
  destination?: AccessLogDestination
}

/** The setting in its long form, checked; null when the log is off. */
export function accessLogOptions(setting: AccessLogSetting | undefined): ResolvedAccessLog | null {
  if (setting === undefined) return null
  const options = typeof setting === 'string' ? { format: setting } : setting
  const format = options.format ?? 'combined'
  if (!ACCESS_LOG_FORMATS.includes(format)) {
    throw new MgnodeError('ERR_INVALID_ARG_VALUE', `accessLog format must be one of ${ACCESS_LOG_FORMATS.join(', ')}, got "${String(format)}"`)
  }
  return { ...options, format }
}

/** One thread's access log: formats lines and hands them, batched, to `out`. */
export class AccessLog {
  readonly format: AccessLogFormat
  /** Run before a request listener, with its `req`/`res` (morgan's middleware). */
  readonly nodeHook: (req: IncomingMessage, res: ServerResponse) => void
  #batcher: LineBatcher
  #line: LineFormat
  #write: (line: string) => void

  constructor(format: AccessLogFormat, out: (text: string) => void) {
    this.format = format
    const batcher = new LineBatcher(out)
    this.#batcher = batcher
    this.#write = (line) => batcher.write(line)
    this.#line = lineFormat(format)
    const middleware = loadMorgan()(this.#line, { stream: { write: this.#write } })
    const next = (): void => {}
    this.nodeHook = (req, res) => middleware(req, res, next)
  }

  /** Wraps a handler that answers through `Reply.send()`/`writeHead()` (a fetch app's) so that each request is logged. */
  wrap(handler: Handler): Handler {
    const format = this.#line
    const tokens = loadMorgan()
    const write = this.#write
    const logged = (req: EngineRequest, reply: Reply): unknown => {
      reply.tap = new EngineLogEntry(req, format, tokens, write)
      return handler(req, reply)
    }
    // Keeps what else the handler offers (`connectionGone`).
    return Object.assign(logged, handler)
  }

  /** Writes out the lines gathered so far (before shutting down). */
  flush(): void {
    this.#batcher.flush()
  }
}
