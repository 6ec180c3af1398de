/** Serialising status lines and header blocks for the low-level `Reply`. */
import { STATUS_CODES } from 'node:http'

import { MgnodeError } from './errors'
import type { OutgoingHeaders } from './types'

const FORBIDDEN = /[\r\n\0]/

function line(name: string, value: string): string {
  if (FORBIDDEN.test(name) || FORBIDDEN.test(value)) {
    throw new MgnodeError('ERR_INVALID_CHAR', `Invalid character in header "${name}"`)
  }
  return name + ': ' + value + '\r\n'
}

/** Lower-cased names that the reply frames itself and so drops from user headers. */
const FRAMING = new Set(['content-length', 'transfer-encoding'])

export interface SerialisedHead {
  text: string
  /** Value of a user-supplied Content-Length, or -1. */
  contentLength: number
  /** The headers include `Connection: close`: the connection ends with this response. */
  close: boolean
}

/**
 * Serialises user headers. When `dropFraming` is set, Content-Length and
 * Transfer-Encoding are left out (the caller writes its own).
 */
export function serialiseHeaders(headers: OutgoingHeaders | undefined, dropFraming: boolean): SerialisedHead {
  let text = ''
  let contentLength = -1
  let close = false
  if (headers === undefined) return { text, contentLength, close }
  const add = (name: string, value: string): void => {
    const lower = name.length === 10 || name.length === 14 || name.length === 17 ? name.toLowerCase() : ''
    if (lower === 'connection') {
      close ||= /(?:^|,)\s*close\s*(?:,|$)/i.test(value)
    } else if (lower === 'content-length') {
      contentLength = Number(value)
      if (dropFraming) return
    } else if (dropFraming && FRAMING.has(lower)) {
      return
    }
    text += line(name, value)
  }
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) add(String(headers[i]), String(headers[i + 1]))
  } else {
    for (const name of Object.keys(headers)) {
      const value = (headers as Record<string, string | number | readonly string[]>)[name]
      if (Array.isArray(value)) {
        for (const v of value) add(name, String(v))
      } else {
        add(name, String(value))
      }
    }
  }
  return { text, contentLength, close }
}

/** `HTTP/1.1 <status> <reason>\r\n`; the reason is the standard one unless `reason` is given. */
export function statusLine(status: number, reason?: string): string {
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    throw new MgnodeError('ERR_HTTP_INVALID_STATUS_CODE', `Invalid status code: ${status}`)
  }
  if (reason === undefined || reason === '') reason = STATUS_CODES[status] ?? 'Unknown'
  else if (FORBIDDEN.test(reason)) throw new MgnodeError('ERR_INVALID_CHAR', 'Invalid character in statusMessage')
  return 'HTTP/1.1 ' + status + ' ' + reason + '\r\n'
}

let dateSecond = -1
let dateLine = ''

/** `Date: ...\r\n`, recomputed at most once a second. */
export function dateHeader(): string {
  const now = Date.now()
  const second = Math.floor(now / 1000)
  if (second !== dateSecond) {
    dateSecond = second
    dateLine = 'Date: ' + new Date(now).toUTCString() + '\r\n'
  }
  return dateLine
}
