/**
 * The access log's line formats. `common` and `combined` are morgan's own
 * (Apache/NCSA); `json` is one JSON object per line from the same request
 * and response fields, left unescaped for `JSON.stringify` to escape.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

import type Morgan from 'morgan'
import type BasicAuth from 'basic-auth'

import { MgnodeError } from '../errors'

/** A line format of the access log. */
export type AccessLogFormat = 'common' | 'combined' | 'json'

export const ACCESS_LOG_FORMATS: readonly AccessLogFormat[] = ['common', 'combined', 'json']

/** Turns a finished exchange into one line (no newline); morgan's signature. */
export type LineFormat = Morgan.FormatFn<IncomingMessage, ServerResponse>

/** What morgan's middleware leaves on the request: when it arrived (`process.hrtime()`). */
interface Timed {
  _startAt?: [number, number]
  _remoteAddress?: string
}

/** morgan, loaded on first use: a server without an access log never loads it. */
export function loadMorgan(): typeof Morgan {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('morgan') as typeof Morgan
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name]
  if (value === undefined) return null
  return Array.isArray(value) ? value.join(', ') : value
}

/** One JSON object per line; a field nobody sent is null. */
function jsonLine(auth: typeof BasicAuth): LineFormat {
  return (_tokens, req, res) => {
    const timed = req as IncomingMessage & Timed
    const sent = res.headersSent
    const length = sent ? res.getHeader('content-length') : undefined
    let durationMs: number | null = null
    if (timed._startAt !== undefined) {
      const [s, ns] = process.hrtime(timed._startAt)
      durationMs = Math.round((s * 1e3 + ns / 1e6) * 1000) / 1000
    }
    return JSON.stringify({
      time: new Date().toISOString(),
      remoteAddr: timed._remoteAddress ?? req.socket?.remoteAddress ?? null,
      remoteUser: auth(req)?.name ?? null,
      method: req.method ?? null,
      url: (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? null,
      httpVersion: `${req.httpVersionMajor}.${req.httpVersionMinor}`,
      status: sent ? res.statusCode : null,
      contentLength: length === undefined ? null : Number(length),
      referrer: header(req, 'referer') ?? header(req, 'referrer'),
      userAgent: header(req, 'user-agent'),
      durationMs,
    })
  }
}

/** The line format for `format`. */
export function lineFormat(format: AccessLogFormat): LineFormat {
  if (format === 'json') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return jsonLine(require('basic-auth') as typeof BasicAuth)
  }
  const morgan = loadMorgan()
  // morgan keeps its named formats as properties of itself (its typings do not declare them).
  const named = (morgan as unknown as Record<string, unknown>)[format]
  if (typeof named !== 'string') throw new MgnodeError('ERR_INVALID_ARG_VALUE', `Unknown access log format "${format}"`)
  return morgan.compile(named)
}
