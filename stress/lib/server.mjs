// Starts a stress server in a child process and talks to it over IPC.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { raiseFdLimit } from './proc.mjs'

export const SERVERS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'servers')

/**
 * Runs `node <servers>/<script> ...args`; resolves once it prints
 * `ready <port>` (within `readyMs`, or it is killed). `fdLimit` raises its
 * descriptor limit first. The child is killed after `lifeMs` whatever
 * happens, so no check can leave one behind.
 */
export function startServer(script, args, { fdLimit = 0, lifeMs = 180_000, readyMs = 20_000, env = {} } = {}) {
  const child = spawn(process.execPath, [path.join(SERVERS, script), ...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, ...env },
  })
  if (fdLimit > 0) raiseFdLimit(child.pid, fdLimit)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-20_000)))
  const killer = setTimeout(() => child.kill('SIGKILL'), lifeMs)
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(killer)
      resolve({ code, signal })
    }),
  )
  const handle = {
    child,
    pid: child.pid,
    port: 0,
    exited,
    get stderr() {
      return stderr
    },
    get stdout() {
      return stdout
    },
    alive: () => child.exitCode === null && child.signalCode === null,
    /** Sends `msg` and resolves the first message back of `type` (rejects after `ms`). */
    ask(msg, type, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          child.off('message', on)
          reject(new Error(`no ${type} from the server within ${ms} ms`))
        }, ms)
        const on = (m) => {
          if (m?.type !== type) return
          clearTimeout(timer)
          child.off('message', on)
          resolve(m)
        }
        child.on('message', on)
        child.send(msg)
      })
    },
    stats: (seen = false) => handle.ask({ cmd: 'stats', seen }, 'stats').then((m) => m.stats),
    /** Ends the child (SIGTERM, then SIGKILL after `graceMs`); resolves when it has exited. */
    async stop(graceMs = 3000) {
      if (handle.alive()) {
        child.kill('SIGTERM')
        const t = setTimeout(() => child.kill('SIGKILL'), graceMs)
        await exited
        clearTimeout(t)
      }
      return exited
    },
  }
  return new Promise((resolve, reject) => {
    const late = setTimeout(() => child.kill('SIGKILL'), readyMs)
    const check = () => {
      const m = /ready (\d+)/.exec(stdout)
      if (!m) return
      clearTimeout(late)
      child.stdout.off('data', check)
      handle.port = Number(m[1])
      resolve(handle)
    }
    child.stdout.on('data', check)
    exited.then((r) => reject(new Error(`${script} exited (${r.code ?? r.signal}) before it was ready: ${stderr.slice(-500)}`)))
  })
}

/** The stress app's server for `target` with `options` (see servers/http-server.mjs). */
export function startHttpServer(target, options = {}, launch = {}) {
  return startServer('http-server.mjs', [target, JSON.stringify(options)], launch)
}
