/** Messages between the main thread's `WorkerPool` and each worker's entry. */

export interface WorkerData {
  managerId: number
  specifier: string
  cwd: string
}

/** Main → worker. */
export type ToWorker = { type: 'attach'; listenerId: number }

/** Worker → main. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'load-failed'; message: string; stack?: string }
  | { type: 'attached'; listenerId: number; sinkId: number }
  | { type: 'attach-failed'; listenerId: number; message: string }
