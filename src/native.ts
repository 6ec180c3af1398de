/**
 * The compiled addon, loaded through napi-rs's generated loader (`binding.js`),
 * which picks `mgnode.<platform>.node` next to it or the per-platform package;
 * `loadBinding` turns "nothing fits" into an error that says what to install.
 *
 * The wire contract with the engine (event kinds, request flags, write flags,
 * the layout of a request in a batch) is declared once, in Rust, and comes
 * from the binding's typings: its enums are `const enum`s, which TypeScript
 * inlines, so reading them costs nothing at run time.
 */
import type * as Binding from '../binding'
import { loadBinding } from './native-loader'

export const binding: typeof Binding = loadBinding<typeof Binding>()

export type NativeManager = Binding.Manager
export type NativeEventSink = Binding.EventSink
export type NativeResponder = Binding.Responder
export type NativeListenOptions = Binding.NativeListenOptions

export { EventKind, RequestFlag, ServerHook, WriteFlag } from '../binding'

/** A listener's default limits and timeouts (ms), as the engine applies them. */
export const LISTEN_DEFAULTS = Object.freeze({
  headersTimeout: binding.DEFAULT_HEADERS_TIMEOUT,
  requestTimeout: binding.DEFAULT_REQUEST_TIMEOUT,
  keepAliveTimeout: binding.DEFAULT_KEEP_ALIVE_TIMEOUT,
  stallTimeout: binding.DEFAULT_STREAM_TIMEOUT,
  maxHeaderSize: binding.DEFAULT_MAX_HEADER_SIZE,
  maxHeaders: binding.DEFAULT_MAX_HEADERS,
})

/** Numbers a request takes in a batch before its header lengths. */
export const REQUEST_FIXED_NUMBERS: number = binding.REQUEST_FIXED_NUMBERS

/** What `EventSink.takeEvents()` returns when events wait: all text fields, the numbers, then the bodies. */
export type EventBatch = [text: string, numbers: Float64Array, ...bodies: Buffer[]]
