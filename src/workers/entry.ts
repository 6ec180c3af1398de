/**
 * Body of each worker thread: loads the app, then attaches to the main
 * thread's listeners and answers the engine directly (not via the main thread).
 */
import { parentPort, workerData } from 'node:worker_threads'

import { AccessLog } from '../access-log'
import { createHandler } from '../app-handler'
import { CloseSignal } from '../close-signal'
import { Dispatcher } from '../dispatch'
import { binding } from '../native'
import type { NativeEventSink } from '../native'
import { AppServer } from '../http/app-server'
import { loadAppModule } from './load-app'
import type { FromWorker, ToWorker, WorkerData } from './messages'

const port = parentPort
const data = workerData as WorkerData

function post(msg: FromWorker): void {
  port?.postMessage(msg)
}

async function main(): Promise<void> {
  let dispatcher: Dispatcher
  let server: AppServer
  // Lines go to the main thread, a batch per turn, and are written there.
  const accessLog = data.accessLog === null ? undefined : new AccessLog(data.accessLog, (text) => post({ type: 'access-log', text }))
  try {
    const { app, upgrade } = await loadAppModule(data.specifier, {
      cwd: data.cwd,
      factory: data.factory,
      onWarning: (w) => post({ type: 'warning', code: w.code, message: w.message }),
    })
    // Upgrades are taken on this worker, the one the engine gave the request to.
    server = new AppServer(upgrade ?? undefined)
    const handler = createHandler(app, { keepAliveTimeout: data.keepAliveTimeout, accessLog, server })
    dispatcher = new Dispatcher(new binding.Responder(data.managerId), handler, new CloseSignal(data.closeSignal))
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err))
    post({ type: 'load-failed', message: e.message, stack: e.stack })
    return
  }
  // The pool restarts a worker that answered requests before it died sooner
  // than one that never did (a crash loop).
  dispatcher.onFirstAnswer(() => post({ type: 'answered' }))
  port?.on('message', (msg: ToWorker) => {
    if (msg.type === 'closing') {
      dispatcher.beginClosing()
      return
    }
    if (msg.type === 'flush-log') {
      // After what this turn still finishes, so its lines are in.
      setImmediate(() => {
        accessLog?.flush()
        post({ type: 'log-flushed' })
      })
      return
    }
    try {
      const holder: { sink: NativeEventSink | null } = { sink: null }
      const sink = binding.attachSink(data.managerId, msg.listenerId, () => {
        if (holder.sink !== null) dispatcher.takeFrom(holder.sink)
      })
      holder.sink = sink
      server.watch((hooks) => sink.setHooks(hooks))
      post({ type: 'attached', listenerId: msg.listenerId, sinkId: sink.sinkId })
    } catch (err) {
      post({ type: 'attach-failed', listenerId: msg.listenerId, message: (err as Error).message })
    }
  })
  post({ type: 'ready' })
}

void main()
