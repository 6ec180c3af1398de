/**
 * Response headers as the flat `[name, value, ...]` list the engine's `Reply`
 * takes, from whatever form a `Response` was given them in.
 */

/**
 * Lower-cased names the engine frames itself: the adapter decides
 * Content-Length or chunking and keep-alive, so an app's own values (Hono's
 * `streamSSE()` sets `Transfer-Encoding` and `Connection`) would contradict it.
 * `Connection: close` is the exception: the app wants the connection ended,
 * and the `Reply` honours it.
 */
function isHopByHop(lower: string): boolean {
  return lower === 'transfer-encoding' || lower === 'connection' || lower === 'keep-alive'
}

const TYPE_ONLY = new Map<string, readonly string[]>()

/** A shared list for the common case of no headers but a default Content-Type. */
function typeOnly(type: string): readonly string[] {
  let list = TYPE_ONLY.get(type)
  if (list === undefined) {
    list = Object.freeze(['content-type', type])
    if (TYPE_ONLY.size < 64) TYPE_ONLY.set(type, list)
  }
  return list
}

const NONE: readonly string[] = Object.freeze([])

class FlatHeaders {
  list: string[] = []
  hasType = false

  add(name: string, value: string): void {
    const n = name.length
    // Only names of these lengths can be Content-Type or hop-by-hop: skip lower-casing the rest.
    if (n === 12 || n === 10 || n === 17) {
      const lower = name.toLowerCase()
      if (lower === 'content-type') this.hasType = true
      else if (isHopByHop(lower) && !(lower === 'connection' && /^\s*close\s*$/i.test(value))) return
    }
    this.list.push(name, value)
  }
}

/**
 * Flattens `init` (a `Headers`, a list of pairs, a record, or undefined) and
 * adds `content-type: defaultType` when it names none. Repeated headers such
 * as Set-Cookie stay separate lines.
 *
 * ```js
 * flattenHeaders({ 'X-A': '1' }, 'text/plain;charset=UTF-8')
 * // ['X-A', '1', 'content-type', 'text/plain;charset=UTF-8']
 * ```
 */
export function flattenHeaders(init: unknown, defaultType: string | null): readonly string[] {
  if (init === undefined || init === null) return defaultType === null ? NONE : typeOnly(defaultType)
  const flat = new FlatHeaders()
  if (init instanceof Headers) {
    // Iteration yields each Set-Cookie on its own and joins other repeats, as the standard says.
    for (const [name, value] of init) flat.add(name, value)
  } else if (Array.isArray(init)) {
    for (const pair of init as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new TypeError('Headers constructor: expected name/value pair to be length 2')
      }
      flat.add(String(pair[0]), String(pair[1]))
    }
  } else if (typeof init === 'object') {
    const record = init as Record<string, unknown>
    for (const name of Object.keys(record)) flat.add(name, String(record[name]))
  } else {
    throw new TypeError('Headers constructor: headers must be an object')
  }
  if (defaultType !== null && !flat.hasType) flat.list.push('content-type', defaultType)
  return flat.list
}
