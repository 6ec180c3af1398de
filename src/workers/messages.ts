/** Messages between the main thread's `WorkerPool` and each worker's entry. */
import type { AccessLogFormat } from '../access-log'

export interface WorkerData {
  managerId: number
  specifier: string
  cwd: string
  /** The manager's `CloseSignal` memory. */
  closeSignal: SharedArrayBuffer
  /** Call the module's export to build the app. */
  factory: boolean
  /** ms advertised in `Keep-Alive: timeout=N` by request listeners. */
  keepAliveTimeout: number | undefined
  /** Log each request in this format, lines posted to the main thread; null: no log. */
  accessLog: AccessLogFormat | null
}

/** Main → worker. */
export type ToWorker = { type: 'attach'; listenerId: number } | { type: 'closing' } | { type: 'flush-log' }

/** Worker → main. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'load-failed'; message: string; stack?: string }
  | { type: 'attached'; listenerId: number; sinkId: number }
  | { type: 'attach-failed'; listenerId: number; message: string }
  /** Sent once, when the worker has answered its first request. */
  | { type: 'answered' }
  | { type: 'warning'; code: string; message: string }
  /** Whole access log lines, to be written by the main thread (the only writer, so lines never interleave). */
  | { type: 'access-log'; text: string }
  | { type: 'log-flushed' }
