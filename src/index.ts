/**
 * mgnode: Node.js web apps on the Mongoose C event loop.
 *
 * - `serve` / `Server` (alias `WSGIServer`): run an Express, Koa, Connect,
 *   Fastify or fetch app, on the main thread or in worker threads.
 * - `createServer`: a drop-in for `http.createServer`.
 * - `Manager` / `Reply`: the low-level engine API (fastest path).
 */
export { serve, Server, WSGIServer } from './serve'
export type { ServerOptions, App, RequestListenerApp, CallbackApp } from './serve'
export type { AccessLogDestination, AccessLogFormat, AccessLogOptions, AccessLogSetting } from './access-log'
export { createServer, MgnodeServer } from './http/server'
export type { ServerOptions as CreateServerOptions, AddressInfo } from './http/server'
export { nodeHandler } from './http/exchange'
export { fetchHandler, isFetchApp, markFetch } from './fetch'
export type { FetchApp, FetchFunction, FetchHandlerOptions, FetchObject } from './fetch'
export { sendFile } from './send-file'
export type { SendFileOptions } from './send-file'
export { Manager } from './manager'
export type { Handler } from './dispatch'
export { Reply, HIGH_WATER_MARK } from './reply'
export { MgnodeError, MgnodeWarning } from './errors'
export type { EngineRequest, ListenerInfo, ListenOptions, OutgoingHeaders, SniContext, TlsContextOptions, TlsKey, TlsMaterial, TlsOptions } from './types'
