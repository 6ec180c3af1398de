/**
 * Notices an app module that calls `listen()` itself while mgnode loads it.
 * Such a module opens its own node:http port beside mgnode's listeners, once
 * per thread that loads it (with workers, every worker but the first then
 * fails with EADDRINUSE). Every server `listen()` goes through
 * `net.Server.prototype.listen` (node:http and node:https inherit it), so that
 * one method is watched, only while a module loads.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { Server as NetServer } from 'node:net'

/** A `listen()` call seen while watching. */
export interface ListenCall {
  /** `node:http`, `node:https` or `node:net`. */
  kind: string
  /** What was asked for, e.g. `port 3000`, `port 3000 on 0.0.0.0`, `a random port`, `the pipe /tmp/app.sock`. */
  address: string
}

type Listen = NetServer['listen']
type OnCall = (call: ListenCall) => void

/**
 * Which load a call belongs to: module code runs in the async context the
 * load started, so a `listen()` by unrelated code meanwhile (another
 * server's, a test's) is not blamed on the module.
 */
const loading = new AsyncLocalStorage<OnCall>()
let watching = 0
let original: Listen | null = null

function kindOf(server: NetServer): string {
  // Loaded only once a call is seen: node:https brings node:tls with it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Server: HttpsServer } = require('node:https') as typeof import('node:https')
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Server: HttpServer } = require('node:http') as typeof import('node:http')
  if (server instanceof HttpsServer) return 'node:https'
  if (server instanceof HttpServer) return 'node:http'
  return 'node:net'
}

function portText(port: unknown, host: unknown): string {
  const n = Number(port ?? 0)
  const where = Number.isInteger(n) && n > 0 ? `port ${n}` : 'a random port'
  return typeof host === 'string' && host !== '' ? `${where} on ${host}` : where
}

/** Describes `listen()`'s arguments in its several call forms. */
export function describeListenArgs(args: unknown[]): string {
  const [first, second] = args
  if (typeof first === 'object' && first !== null) {
    const o = first as { port?: unknown; host?: unknown; path?: unknown }
    if (typeof o.path === 'string') return `the pipe ${o.path}`
    if (o.port === undefined && o.host === undefined) return 'an inherited handle'
    return portText(o.port, o.host)
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return `the pipe ${first}`
  return portText(typeof first === 'function' ? undefined : first, second)
}

function watchedListen(this: NetServer, ...args: unknown[]): NetServer {
  const onCall = loading.getStore()
  if (onCall !== undefined) onCall({ kind: kindOf(this), address: describeListenArgs(args) })
  return (original as (...a: unknown[]) => NetServer).apply(this, args)
}

/**
 * Runs `load` (a module import) and reports to `onCall` each `listen()` that
 * the code it runs makes before it settles.
 */
export async function watchListen<T>(onCall: OnCall, load: () => Promise<T>): Promise<T> {
  if (watching++ === 0 && original === null) {
    original = NetServer.prototype.listen
    NetServer.prototype.listen = watchedListen as Listen
  }
  let open = true
  try {
    // Calls from the module's timers after the load are not reported.
    return await loading.run((call) => open && onCall(call), load)
  } finally {
    open = false
    // Restored only if nobody replaced it since (whoever did may still call through to ours).
    if (--watching === 0 && NetServer.prototype.listen === (watchedListen as Listen) && original !== null) {
      NetServer.prototype.listen = original
      original = null
    }
  }
}
