/**
 * `AppServer`: what `req.socket.server` is for apps served by `Server` (on
 * the main thread or in a worker), where no `http.Server` exists. As on one,
 * its `'upgrade'` and `'connect'` listeners take those requests with
 * `(req, socket, head)`; the engine learns from its listener counts which
 * requests leave HTTP on this thread. Libraries that subscribe through
 * `req.socket.server` (http-proxy-middleware with `ws: true`) work unchanged.
 */
import { EventEmitter } from 'node:events'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'

import { hooksOf, watchHooks } from './server-hooks'

/** A function that takes upgrade (and CONNECT) requests, as an `'upgrade'` listener does. */
export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void

/** Told the `ServerHook` bits of the events an `AppServer` has listeners for. */
type Watcher = (hooks: number) => void

export class AppServer extends EventEmitter {
  #watchers: Watcher[] = []

  constructor(upgrade?: UpgradeListener) {
    super()
    watchHooks(this, (hooks) => {
      for (const w of this.#watchers) w(hooks)
    })
    if (upgrade) this.on('upgrade', upgrade)
  }

  /** Tells `watcher` now, and after every change, which request-deciding events are listened for. */
  watch(watcher: Watcher): void {
    this.#watchers.push(watcher)
    watcher(hooksOf(this))
  }

  /** Hands an upgrade or CONNECT request to its listeners; false if there are none. @internal */
  _take(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const event = req.method === 'CONNECT' ? 'connect' : 'upgrade'
    if (this.listenerCount(event) === 0) return false
    this.emit(event, req, socket, head)
    return true
  }
}
