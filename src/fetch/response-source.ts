/**
 * The string, bytes or Blob a real `Response` was made from, read without draining
 * its stream.
 *
 * Node's `Response` (undici) keeps the value a body was built from next to its
 * lazily made stream, in a symbol-keyed state slot. That slot is not public
 * API, so it is found by probing a response made here, and every use is
 * checked; when it is missing or looks different, this returns undefined and
 * the caller streams the body instead. Node 24's undici keeps it in a private
 * field, out of reach (`SOURCE_HIDDEN`).
 */
import { RealResponse } from './fast-response'

interface BodyState {
  source?: unknown
  stream?: ReadableStream | undefined
}

const PROBE = 'mgnode-probe'

function findStateKey(): symbol | undefined {
  try {
    const probe = new RealResponse(PROBE) as unknown as Record<symbol, { body?: BodyState } | undefined>
    for (const key of Object.getOwnPropertySymbols(probe)) {
      if (probe[key]?.body?.source === PROBE) return key
    }
  } catch {
    // Fall through: no shortcut on this runtime.
  }
  return undefined
}

const STATE = findStateKey()

/** True where a `Response` does not show what its body was made from (Node 24 and later). */
export const SOURCE_HIDDEN = STATE === undefined

/** The body's original string, bytes or Blob if it is still unread; otherwise undefined. */
export function bodySource(res: Response): string | Uint8Array | Blob | undefined {
  if (STATE === undefined) return undefined
  const body = (res as unknown as Record<symbol, { body?: BodyState | null } | undefined>)[STATE]?.body
  if (body === undefined || body === null) return undefined
  const source = body.source
  if (typeof source !== 'string' && !(source instanceof Uint8Array) && !(source instanceof Blob)) return undefined
  const stream = body.stream
  if (stream !== undefined && (stream.locked || res.bodyUsed)) return undefined
  return source
}
