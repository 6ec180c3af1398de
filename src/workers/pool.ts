/**
 * `WorkerPool`: runs an app module in N worker threads, all fed by the same
 * Mongoose listeners. The engine gives each connection to the worker with
 * the fewest requests in flight at its first request, and keeps it there (as
 * node:cluster does, so its socket is one object); workers answer the engine
 * directly.
 *
 * A worker that dies has its unanswered requests answered 502 by the engine,
 * is reported to `errorHandler`, and is restarted with backoff.
 */
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import type { ResourceLimits } from 'node:worker_threads'

import type { AccessLogFormat } from '../access-log'
import { MgnodeError, MgnodeWarning } from '../errors'
import type { Manager } from '../manager'
import type { FromWorker, ToWorker, WorkerData } from './messages'

const ENTRY = join(__dirname, 'entry.js')
const FIRST_BACKOFF_MS = 100
const MAX_BACKOFF_MS = 5000
/** A worker that ran this long without dying resets the backoff. */
const STABLE_AFTER_MS = 10_000
/** How long stopping waits for a worker to hand over its last access log lines. */
const LOG_FLUSH_WAIT_MS = 1000

/**
 * Young generation of each worker's heap, in MB. V8 sizes it as if its isolate
 * had the process to itself; with one per worker besides the main thread's,
 * Express on `workers: 2` peaked at ~200 MiB. With 8 MB: ~155 MiB at the same
 * throughput (A/B, 4 rounds); 4-6 MB cost throughput.
 */
export const WORKER_YOUNG_GENERATION_MB = 8

/** The workers' heap limits, unless the user set the young generation's size in Node's flags. */
export function workerResourceLimits(execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): ResourceLimits | undefined {
  const flags = `${execArgv.join(' ')} ${nodeOptions}`
  if (/semi[-_]space[-_]size|young[-_]generation/.test(flags)) return undefined
  return { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB }
}

interface Slot {
  index: number
  worker: Worker | null
  /** listener id → sink id of this worker. */
  sinks: Map<number, number>
  restarts: number
  startedAt: number
  timer: NodeJS.Timeout | null
}

export interface WorkerPoolOptions {
  /** Hears about workers that failed or died. */
  errorHandler?: (err: Error) => void
  /** Hears warnings about the app module (each worker reports its own). */
  warningHandler?: (warning: MgnodeWarning) => void
  /** Call the module's export to build the app. */
  factory?: boolean
  /** ms request listeners advertise in `Keep-Alive: timeout=N`. */
  keepAliveTimeout?: number
  /** Access log: the format workers log in, and where their lines go (called on the main thread). */
  accessLog?: { format: AccessLogFormat; write(text: string): void }
}

export class WorkerPool {
  readonly size: number
  #manager: Manager
  #specifier: string
  #options: WorkerPoolOptions
  #slots: Slot[] = []
  #listeners: number[] = []
  #stopping = false

  constructor(manager: Manager, specifier: string, size: number, options: WorkerPoolOptions = {}) {
    if (!Number.isInteger(size) || size < 1) {
      throw new MgnodeError('ERR_INVALID_ARG_VALUE', `workers must be a positive integer, got ${size}`)
    }
    this.#manager = manager
    this.#specifier = specifier
    this.size = size
    this.#options = options
  }

  /** Starts every worker; rejects if the app cannot be loaded. */
  async start(): Promise<void> {
    const starts: Promise<void>[] = []
    for (let i = 0; i < this.size; i++) {
      const slot: Slot = { index: i, worker: null, sinks: new Map(), restarts: 0, startedAt: 0, timer: null }
      this.#slots.push(slot)
      starts.push(this.#spawn(slot))
    }
    try {
      await Promise.all(starts)
    } catch (err) {
      await this.stop()
      throw err
    }
  }

  /** Attaches every worker to a listener opened with `manager.listenForWorkers`. */
  async attach(listenerId: number): Promise<void> {
    this.#listeners.push(listenerId)
    await Promise.all(this.#slots.map((slot) => (slot.worker ? this.#attachOne(slot, listenerId) : undefined)))
  }

  /** Terminates every worker (call after the manager has drained), once each has handed over its last log lines. */
  async stop(): Promise<void> {
    this.#stopping = true
    await Promise.all(
      this.#slots.map(async (slot) => {
        if (slot.timer) clearTimeout(slot.timer)
        const worker = slot.worker
        slot.worker = null
        if (!worker) return
        if (this.#options.accessLog) await flushLog(worker)
        await worker.terminate()
      }),
    )
  }

  /** Thread ids of the running workers (for diagnostics and tests). */
  get threadIds(): number[] {
    return this.#slots.flatMap((s) => (s.worker ? [s.worker.threadId] : []))
  }

  #spawn(slot: Slot): Promise<void> {
    const o = this.#options
    const data: WorkerData = {
      managerId: this.#manager.id,
      specifier: this.#specifier,
      cwd: process.cwd(),
      factory: o.factory ?? false,
      keepAliveTimeout: o.keepAliveTimeout,
      accessLog: o.accessLog?.format ?? null,
    }
    const worker = new Worker(ENTRY, { workerData: data, resourceLimits: workerResourceLimits() })
    slot.worker = worker
    slot.startedAt = Date.now()
    slot.sinks.clear()
    return new Promise<void>((resolve, reject) => {
      let settled = false
      const settle = (err?: Error): void => {
        if (settled) return
        settled = true
        if (err) reject(err)
        else resolve()
      }
      worker.on('message', (msg: FromWorker) => {
        if (msg.type === 'access-log') {
          o.accessLog?.write(msg.text)
        } else if (msg.type === 'warning') {
          const warning = new MgnodeWarning(msg.code, msg.message)
          if (o.warningHandler) o.warningHandler(warning)
          else process.emitWarning(warning)
        } else if (msg.type === 'ready') {
          Promise.all(this.#listeners.map((id) => this.#attachOne(slot, id))).then(() => settle(), settle)
        } else if (msg.type === 'load-failed') {
          const err = new MgnodeError('ERR_MGNODE_WORKER_LOAD', `worker ${slot.index} could not load "${this.#specifier}": ${msg.message}`)
          if (msg.stack) err.stack = msg.stack
          settle(err)
          void worker.terminate()
        }
      })
      worker.on('error', (err) => {
        this.#report(new MgnodeError('ERR_MGNODE_WORKER_CRASHED', `worker ${slot.index} crashed: ${err.message}`), err)
      })
      worker.on('exit', (code) => {
        if (slot.worker === worker) slot.worker = null
        for (const [listenerId, sinkId] of slot.sinks) this.#manager.detachSink(listenerId, sinkId)
        slot.sinks.clear()
        if (!settled) {
          settle(new MgnodeError('ERR_MGNODE_WORKER_LOAD', `worker ${slot.index} exited with code ${code} while starting`))
          return
        }
        if (this.#stopping) return
        this.#report(new MgnodeError('ERR_MGNODE_WORKER_EXITED', `worker ${slot.index} exited with code ${code}; restarting`))
        this.#restart(slot)
      })
    })
  }

  #restart(slot: Slot): void {
    if (Date.now() - slot.startedAt > STABLE_AFTER_MS) slot.restarts = 0
    const delay = Math.min(FIRST_BACKOFF_MS * 2 ** slot.restarts, MAX_BACKOFF_MS)
    slot.restarts++
    slot.timer = setTimeout(() => {
      slot.timer = null
      if (this.#stopping) return
      this.#spawn(slot).catch((err: Error) => {
        this.#report(err)
        if (!this.#stopping && slot.worker === null) this.#restart(slot)
      })
    }, delay)
    slot.timer.unref()
  }

  #attachOne(slot: Slot, listenerId: number): Promise<void> {
    const worker = slot.worker
    if (!worker) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const done = (): void => {
        worker.off('message', onMessage)
        worker.off('exit', onExit)
      }
      const onMessage = (msg: FromWorker): void => {
        if (msg.type === 'attached' && msg.listenerId === listenerId) {
          done()
          slot.sinks.set(listenerId, msg.sinkId)
          resolve()
        } else if (msg.type === 'attach-failed' && msg.listenerId === listenerId) {
          done()
          reject(new MgnodeError('ERR_MGNODE_WORKER_ATTACH', msg.message))
        }
      }
      // A worker that dies first is restarted and attaches then.
      const onExit = (): void => {
        done()
        resolve()
      }
      worker.on('message', onMessage)
      worker.on('exit', onExit)
      const msg: ToWorker = { type: 'attach', listenerId }
      worker.postMessage(msg)
    })
  }

  #report(err: Error, cause?: unknown): void {
    if (cause !== undefined) (err as Error & { cause?: unknown }).cause = cause
    if (this.#options.errorHandler) this.#options.errorHandler(err)
    else console.error(err)
  }
}

/** Asks a worker for its pending access log lines; gives up after a while (a stuck worker is terminated anyway). */
function flushLog(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      worker.off('message', onMessage)
      worker.off('exit', done)
      resolve()
    }
    const onMessage = (msg: FromWorker): void => {
      if (msg.type === 'log-flushed') done()
    }
    const timer = setTimeout(done, LOG_FLUSH_WAIT_MS)
    worker.on('message', onMessage)
    worker.on('exit', done)
    const msg: ToWorker = { type: 'flush-log' }
    worker.postMessage(msg)
  })
}
