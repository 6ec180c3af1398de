/**
 * The compiled addon, loaded through napi-rs's generated loader (`binding.js`),
 * which picks `mgnode.<platform>.node` next to it or the per-platform package;
 * `loadBinding` turns "nothing fits" into an error that says what to install.
 */
import type * as Binding from '../binding'
import { loadBinding } from './native-loader'

export const binding: typeof Binding = loadBinding<typeof Binding>()

export type NativeManager = Binding.Manager
export type NativeEventSink = Binding.EventSink
export type NativeResponder = Binding.Responder
export type NativeListenOptions = Binding.NativeListenOptions

/** Flags of `NativeManager.write` (mirrors `command::write_flags` in Rust). */
export const enum WriteFlag {
  End = 1,
  Close = 2,
  WantDrain = 4,
  Chunked = 8,
}

/** Event kinds, the first number of each event in a batch (mirrors `batch.rs`). */
export const enum EventKind {
  Request = 0,
  Drain = 1,
  Closed = 2,
}

/** Numbers a request takes in a batch before its header lengths (mirrors `batch.rs`). */
export const REQUEST_FIXED_NUMBERS = 12

/** What `EventSink.takeEvents()` returns when events wait: all text fields, the numbers, then the bodies. */
export type EventBatch = [text: string, numbers: Float64Array, ...bodies: Buffer[]]

/** Bits of a request's flags number. */
export const enum RequestFlag {
  Tls = 1,
  KeepAlive = 2,
}
