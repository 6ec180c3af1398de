/**
 * mgnode: Node.js web apps on the Mongoose C event loop.
 *
 * - `Manager` / `Reply`: the low-level engine API (fastest path).
 */
export { Manager } from './manager'
export type { Handler } from './dispatch'
export { Reply, HIGH_WATER_MARK } from './reply'
export { MgnodeError } from './errors'
export type { EngineRequest, ListenerInfo, ListenOptions, OutgoingHeaders, TlsOptions } from './types'
