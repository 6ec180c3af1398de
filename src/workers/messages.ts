/** Messages between the main thread's `WorkerPool` and each worker's entry. */

export interface WorkerData {
  managerId: number
  specifier: string
  cwd: string
  /** The manager's `CloseSignal` memory. */
  closeSignal: SharedArrayBuffer
}

/** Main → worker. */
export type ToWorker = { type: 'attach'; listenerId: number } | { type: 'closing' }

/** Worker → main. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'load-failed'; message: string; stack?: string }
  | { type: 'attached'; listenerId: number; sinkId: number }
  | { type: 'attach-failed'; listenerId: number; message: string }
  /** Sent once, when the worker has answered its first request. */
  | { type: 'answered' }
