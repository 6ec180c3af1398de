/**
 * The absolute URL of an incoming request, as `new Request(url).url` would
 * report it, built without the URL parser whenever the result is already
 * canonical.
 */
import type { EngineRequest } from '../types'

/** Origins by Host header, one table per scheme; bounded because Host headers come from clients. */
const httpOrigins = new Map<string, string>()
const httpsOrigins = new Map<string, string>()
const MAX_ORIGINS = 256

/**
 * Targets the WHATWG URL parser leaves exactly as they are: unreserved and
 * sub-delim characters, `:@/%?`, and no `#`, spaces, quotes, backslashes or
 * non-ASCII (all of which it rewrites).
 */
const CANONICAL_TARGET = /^\/[A-Za-z0-9\-._~!$&()*+,;=:@/%?]*$/
/** A possible dot segment (`/.`, `/..`, or their percent-encoded forms), which the parser resolves. */
const DOT_SEGMENT = /\/\.|%2e/i
/** Characters that cannot appear in a Host header naming only host and port. */
const BAD_HOST = /[\s/?#@\\]/

function hostHeader(rawHeaders: readonly string[]): string | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]
    if (name.length === 4 && name.toLowerCase() === 'host') return rawHeaders[i + 1]
  }
  return undefined
}

/** The last answer, checked before the tables: most requests repeat the previous Host. */
let lastHost = ''
let lastTls = false
let lastOrigin = ''

function originOf(tls: boolean, host: string): string | null {
  if (host === lastHost && tls === lastTls && lastOrigin !== '') return lastOrigin
  const table = tls ? httpsOrigins : httpOrigins
  let origin = table.get(host)
  if (origin === undefined) {
    if (host === '' || BAD_HOST.test(host)) return null
    try {
      // The parser lower-cases the host, drops a default port, and validates it.
      origin = new URL((tls ? 'https://' : 'http://') + host).origin
    } catch {
      return null
    }
    if (origin === 'null') return null
    if (table.size >= MAX_ORIGINS) table.clear()
    table.set(host, origin)
  }
  lastHost = host
  lastTls = tls
  lastOrigin = origin
  return origin
}

/**
 * Absolute URL for `req`: the listener's scheme, the Host header (else the
 * local address), and the target, normalised as the URL parser would.
 * Returns null when no valid URL can be made (the caller answers 400).
 */
export function requestUrl(req: EngineRequest): string | null {
  const target = req.url
  if (target.charCodeAt(0) !== 47 /* '/' */) return absoluteTarget(target)
  let host = hostHeader(req.rawHeaders)
  if (host === undefined) {
    // HTTP/1.0 clients may omit Host: name the socket instead.
    const addr = req.localAddress.includes(':') ? '[' + req.localAddress + ']' : req.localAddress
    host = addr + ':' + req.localPort
  }
  const origin = originOf(req.tls, host)
  if (origin === null) return null
  if (CANONICAL_TARGET.test(target) && !DOT_SEGMENT.test(target)) return origin + target
  // Concatenated, not resolved against a base: `//evil/x` must stay a path.
  return parsedHref(origin + target)
}

/** What `new Request(url).url` reports: the parsed URL without its fragment. */
function parsedHref(url: string): string | null {
  try {
    const parsed = new URL(url)
    parsed.hash = ''
    return parsed.href
  } catch {
    return null
  }
}

/** Absolute-form targets (`GET http://host/path`, as sent to proxies) name their own host. */
function absoluteTarget(target: string): string | null {
  return /^https?:\/\//i.test(target) ? parsedHref(target) : null
}
