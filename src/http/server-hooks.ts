/**
 * Server events that change how the engine handles some requests. node:http
 * decides by its server's listeners — an upgrade leaves HTTP only if
 * something listens for `'upgrade'`, `100 Continue` is the app's to send only
 * if something listens for `'checkContinue'` — and the engine must know
 * before it hands such a request out, so servers tell it as their listeners
 * change.
 */
import type { EventEmitter } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'

import { ServerHook } from '../native'

const HOOK_EVENTS: ReadonlyArray<readonly [string, ServerHook]> = [
  ['upgrade', ServerHook.Upgrade],
  ['connect', ServerHook.Connect],
  ['checkContinue', ServerHook.CheckContinue],
  ['checkExpectation', ServerHook.CheckExpectation],
]

/** The `ServerHook` bits of the events `server` has listeners for. */
export function hooksOf(server: EventEmitter): number {
  let bits = 0
  for (const [event, bit] of HOOK_EVENTS) if (server.listenerCount(event) > 0) bits |= bit
  return bits
}

/**
 * Calls `onChange(bits)` once after each turn in which a listener for one of
 * these events was added or removed (the `newListener`/`removeListener`
 * events come before the change).
 */
export function watchHooks(server: EventEmitter, onChange: (bits: number) => void): void {
  let scheduled = false
  const changed = (event: string | symbol): void => {
    if (scheduled || !HOOK_EVENTS.some(([name]) => name === event)) return
    scheduled = true
    queueMicrotask(() => {
      scheduled = false
      onChange(hooksOf(server))
    })
  }
  server.on('newListener', changed)
  server.on('removeListener', changed)
}

/**
 * Hands a request whose `Expect` the app answers to `server`'s
 * `'checkContinue'` or `'checkExpectation'` listeners, as node:http does.
 * False if none listens (then node:http sends `100 Continue` and emits
 * `'request'`, or answers 417).
 */
export function emitExpectation(server: EventEmitter, event: 'checkContinue' | 'checkExpectation', req: IncomingMessage, res: ServerResponse): boolean {
  if (server.listenerCount(event) === 0) return false
  server.emit(event, req, res)
  return true
}
