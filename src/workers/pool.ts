/**
 * `WorkerPool`: runs an app module in N worker threads, all fed by the same
 * Mongoose listeners. The engine gives each connection to the worker with
 * the fewest requests in flight at its first request, and keeps it there (as
 * node:cluster does, so its socket is one object); workers answer the engine
 * directly.
 *
 * A worker that dies has its unanswered requests answered 502 by the engine,
 * is reported to `errorHandler`, and is restarted. Requests that arrive while
 * no worker is attached wait in the engine (10 s, then 503).
 *
 * Restarts: a worker that answered requests before it died comes back after
 * `FIRST_BACKOFF_MS` (a request that crashes one worker now and then must not
 * cost the server its capacity). One that died without answering anything, or
 * failed to start, waits twice as long as the last time, up to
 * `MAX_BACKOFF_MS`. A worker that fails to start (its module throws, or it
 * exits before it is ready) `MAX_START_FAILURES` times in a row means the app
 * cannot be served as it is now: the pool gives up and tells `onGiveUp`.
 * Crashes after a successful start never make it give up.
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
/** A worker that ran this long resets the backoff, even if it answered nothing. */
const STABLE_AFTER_MS = 10_000
/** Failed starts in a row of one worker after which the pool gives up (about 3 s of retrying). */
export const MAX_START_FAILURES = 5
/** How long stopping waits for a worker to hand over its last access log lines. */
const LOG_FLUSH_WAIT_MS = 1000

/**
 * Young generation of each worker's heap, in MB. V8 sizes it as if its isolate
 * had the process to itself, and one per worker besides the main thread's
 * adds up; 8 MB kept the throughput and cut peak RSS, smaller cost throughput
 * (bench/README.md, "Design measurements").
 */
export const WORKER_YOUNG_GENERATION_MB = 8

/** The workers' heap limits, unless the user set the young generation's size in Node's flags. */
export function workerResourceLimits(execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): ResourceLimits | undefined {
  const flags = `${execArgv.join(' ')} ${nodeOptions}`
  if (/semi[-_]space[-_]size|young[-_]generation/.test(flags)) return undefined
  return { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB }
}

/** The delay before the next start of a worker that died or failed `strikes` times in a row. */
export function restartDelay(strikes: number): number {
  return Math.min(FIRST_BACKOFF_MS * 2 ** Math.max(0, strikes - 1), MAX_BACKOFF_MS)
}

interface Slot {
  index: number
  worker: Worker | null
  /** listener id → sink id of this worker. */
  sinks: Map<number, number>
  startedAt: number
  /** The current worker has answered a request. */
  answered: boolean
  /** Deaths and failed starts in a row with nothing answered in between: sets the delay. */
  strikes: number
  /** Failed starts in a row: sets when to give up. */
  startFailures: number
  timer: NodeJS.Timeout | null
}

export interface WorkerPoolOptions {
  /** Hears about workers that failed or died. */
  errorHandler?: (err: Error) => void
  /**
   * Told once if the pool stops restarting (code `ERR_MGNODE_WORKERS_GAVE_UP`).
   * The workers still up keep running until `stop()`. Without it, the error
   * goes to `errorHandler`.
   */
  onGiveUp?: (err: Error) => void
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
  #gaveUp = false

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
      const slot: Slot = { index: i, worker: null, sinks: new Map(), startedAt: 0, answered: false, strikes: 0, startFailures: 0, timer: null }
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

  /**
   * A graceful close began: the workers make the heads they have not written
   * yet say `Connection: close` (new ones see the manager's `CloseSignal`).
   */
  beginClosing(): void {
    const msg: ToWorker = { type: 'closing' }
    for (const slot of this.#slots) slot.worker?.postMessage(msg)
  }

  /**
   * Terminates every worker and stops restarting them (call after the manager
   * has drained), once each has handed over its last access log lines.
   */
  async stop(): Promise<void> {
    this.#stopping = true
    await Promise.all(
      this.#slots.map(async (slot) => {
        if (slot.timer) clearTimeout(slot.timer)
        slot.timer = null
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

  /** Starts a worker in `slot`; resolves once it is attached to every listener, rejects if it fails to start. */
  #spawn(slot: Slot): Promise<void> {
    const o = this.#options
    const data: WorkerData = {
      managerId: this.#manager.id,
      specifier: this.#specifier,
      cwd: process.cwd(),
      closeSignal: this.#manager.closeSignal.buffer,
      factory: o.factory ?? false,
      keepAliveTimeout: o.keepAliveTimeout,
      accessLog: o.accessLog?.format ?? null,
    }
    const worker = new Worker(ENTRY, { workerData: data, resourceLimits: workerResourceLimits() })
    // This worker's own map: a late 'exit' must not detach its successor's sinks.
    const sinks = new Map<number, number>()
    slot.worker = worker
    slot.sinks = sinks
    slot.startedAt = Date.now()
    slot.answered = false
    return new Promise<void>((resolve, reject) => {
      let started = false
      let failed = false
      const fail = (err: Error): void => {
        if (started || failed) return
        failed = true
        reject(err)
        void worker.terminate()
      }
      worker.on('message', (msg: FromWorker) => {
        if (msg.type === 'access-log') {
          o.accessLog?.write(msg.text)
        } else if (msg.type === 'warning') {
          const warning = new MgnodeWarning(msg.code, msg.message)
          if (o.warningHandler) o.warningHandler(warning)
          else process.emitWarning(warning)
        } else if (msg.type === 'ready') {
          Promise.all(this.#listeners.map((id) => this.#attachOne(slot, id))).then(() => {
            if (failed) return
            started = true
            resolve()
          }, fail)
        } else if (msg.type === 'load-failed') {
          const err = new MgnodeError('ERR_MGNODE_WORKER_LOAD', `worker ${slot.index} could not load "${this.#specifier}": ${msg.message}`)
          if (msg.stack) err.stack = msg.stack
          fail(err)
        } else if (msg.type === 'answered') {
          slot.answered = true
        }
      })
      worker.on('error', (err) => {
        if (!started) {
          const e = new MgnodeError('ERR_MGNODE_WORKER_LOAD', `worker ${slot.index} failed while starting: ${err.message}`)
          ;(e as Error & { cause?: unknown }).cause = err
          fail(e)
          return
        }
        this.#report(new MgnodeError('ERR_MGNODE_WORKER_CRASHED', `worker ${slot.index} crashed: ${err.message}`), err)
      })
      worker.on('exit', (code) => {
        if (slot.worker === worker) slot.worker = null
        for (const [listenerId, sinkId] of sinks) this.#manager.detachSink(listenerId, sinkId)
        sinks.clear()
        if (!started) {
          fail(new MgnodeError('ERR_MGNODE_WORKER_LOAD', `worker ${slot.index} exited with code ${code} while starting`))
          return
        }
        if (this.#stopping || this.#gaveUp) return
        const delay = this.#nextDelay(slot)
        this.#report(new MgnodeError('ERR_MGNODE_WORKER_EXITED', `worker ${slot.index} exited with code ${code}; restarting in ${delay} ms`))
        this.#schedule(slot, delay)
      })
    })
  }

  /** The delay before restarting a worker that died after starting. */
  #nextDelay(slot: Slot): number {
    // It did useful work (or lived long enough): not a crash loop.
    if (slot.answered || Date.now() - slot.startedAt > STABLE_AFTER_MS) slot.strikes = 0
    slot.strikes++
    return restartDelay(slot.strikes)
  }

  /**
   * Starts the slot's worker again after `delay`. The timer is not unref'd:
   * while every worker is down it is what keeps the process (and the server
   * in it) alive.
   */
  #schedule(slot: Slot, delay: number): void {
    slot.timer = setTimeout(() => {
      slot.timer = null
      if (this.#stopping || this.#gaveUp) return
      this.#spawn(slot).then(
        () => {
          slot.startFailures = 0
        },
        (err: Error) => {
          if (this.#stopping || this.#gaveUp) return
          slot.startFailures++
          if (slot.startFailures >= MAX_START_FAILURES) {
            this.#giveUp(slot, err)
            return
          }
          slot.strikes++
          const next = restartDelay(slot.strikes)
          this.#report(new MgnodeError(err instanceof MgnodeError ? err.code : 'ERR_MGNODE_WORKER_LOAD', `${err.message}; retrying in ${next} ms`), err)
          this.#schedule(slot, next)
        },
      )
    }, delay)
  }

  #giveUp(slot: Slot, last: Error): void {
    this.#gaveUp = true
    for (const s of this.#slots) {
      if (s.timer) clearTimeout(s.timer)
      s.timer = null
    }
    const err = new MgnodeError(
      'ERR_MGNODE_WORKERS_GAVE_UP',
      `worker ${slot.index} failed to start ${slot.startFailures} times in a row; giving up: ${last.message}`,
    )
    ;(err as Error & { cause?: unknown }).cause = last
    if (this.#options.onGiveUp) this.#options.onGiveUp(err)
    else this.#report(err)
  }

  #attachOne(slot: Slot, listenerId: number): Promise<void> {
    const worker = slot.worker
    const sinks = slot.sinks
    if (!worker) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const done = (): void => {
        worker.off('message', onMessage)
        worker.off('exit', onExit)
      }
      const onMessage = (msg: FromWorker): void => {
        if (msg.type === 'attached' && msg.listenerId === listenerId) {
          done()
          sinks.set(listenerId, msg.sinkId)
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
