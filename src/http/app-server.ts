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

/** A function that takes upgrade (and CONNECT) requests, as an `'upgrade'` listener does. */
export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void

type Watcher = (upgrade: boolean, connect: boolean) => void

export class AppServer extends EventEmitter {
  #watchers: Watcher[] = []
  #scheduled = false

  constructor(upgrade?: UpgradeListener) {
    super()
    this.on('newListener', (event) => this.#changed(event))
    this.on('removeListener', (event) => this.#changed(event))
    if (upgrade) this.on('upgrade', upgrade)
  }

  /** Tells `watcher` now and after every change which requests leave HTTP. */
  watch(watcher: Watcher): void {
    this.#watchers.push(watcher)
    watcher(this.listenerCount('upgrade') > 0, this.listenerCount('connect') > 0)
  }

  /** Hands an upgrade or CONNECT request to its listeners; false if there are none. @internal */
  _take(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const event = req.method === 'CONNECT' ? 'connect' : 'upgrade'
    if (this.listenerCount(event) === 0) return false
    this.emit(event, req, socket, head)
    return true
  }

  #changed(event: string | symbol): void {
    if ((event !== 'upgrade' && event !== 'connect') || this.#scheduled) return
    // After the listener is actually added or removed (these events come first).
    this.#scheduled = true
    queueMicrotask(() => {
      this.#scheduled = false
      const upgrade = this.listenerCount('upgrade') > 0
      const connect = this.listenerCount('connect') > 0
      for (const w of this.#watchers) w(upgrade, connect)
    })
  }
}
