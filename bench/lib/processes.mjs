// Server processes: started in their own process group, announcing their port
// on stdout (the protocol in bench/servers/_common.js), stopped with the group.
import { spawn } from 'node:child_process'
import { ROOT } from './paths.mjs'

const EXIT_UNAVAILABLE = 78
const START_TIMEOUT_MS = 30_000

// Every server still running, so that stopAllSync() can kill them all on a
// signal or a crash.
const running = new Set()

export class ServerProcess {
  constructor(command, args, env = {}) {
    this.stderr = ''
    this.exit = null
    this.child = spawn(command, args, {
      cwd: ROOT,
      // PORT=0 picks a free port; bench/serve.mjs passes fixed ones.
      env: { ...process.env, PORT: '0', NODE_ENV: 'production', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so that stop() reaches its children
    })
    this.pid = this.child.pid
    running.add(this)
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal }
        running.delete(this)
        resolve(this.exit)
      })
      this.child.on('error', (err) => {
        this.stderr += String(err.message)
        this.exit = { code: -1, signal: null }
        running.delete(this)
        resolve(this.exit)
      })
    })
    this.child.stderr.on('data', (d) => {
      this.stderr = (this.stderr + d).slice(-4000)
    })
  }

  /** Resolves { port, tlsPort } once the server announced it (TLS_PORT: a flooded scenario's HTTPS port), or { unavailable } / { failed }. */
  ready() {
    return new Promise((resolve) => {
      let buf = ''
      let done = false
      const finish = (v) => {
        if (done) return
        done = true
        clearTimeout(timer)
        resolve(v)
      }
      const timer = setTimeout(() => finish({ failed: `did not announce its port within ${START_TIMEOUT_MS / 1000}s` }), START_TIMEOUT_MS)
      this.child.stdout.on('data', (d) => {
        buf += d
        let m
        if ((m = /^PORT=(\d+)$/m.exec(buf))) finish({ port: Number(m[1]), tlsPort: Number(/^TLS_PORT=(\d+)$/m.exec(buf)?.[1]) || null })
        else if ((m = /^UNAVAILABLE=(.*)$/m.exec(buf))) finish({ unavailable: m[1].trim() })
      })
      this.exited.then(({ code, signal }) => {
        if (code === EXIT_UNAVAILABLE) return setTimeout(() => finish({ unavailable: /^UNAVAILABLE=(.*)$/m.exec(buf)?.[1]?.trim() || 'not available' }), 20)
        finish({ failed: `exited (${signal || code}) before listening: ${lastLine(this.stderr)}` })
      })
    })
  }

  get alive() {
    return this.exit === null
  }

  async stop() {
    if (!this.alive) return
    try {
      process.kill(-this.pid, 'SIGTERM')
    } catch {}
    const killed = await Promise.race([this.exited.then(() => true), sleep(3000).then(() => false)])
    if (!killed) {
      try {
        process.kill(-this.pid, 'SIGKILL')
      } catch {}
      await this.exited
    }
    // Children that outlived the group leader (a cluster worker, say).
    try {
      process.kill(-this.pid, 'SIGKILL')
    } catch {}
  }
}

export function stopAllSync() {
  for (const s of running) {
    try {
      process.kill(-s.pid, 'SIGKILL')
    } catch {}
  }
}

export function lastLine(text) {
  const lines = String(text).trim().split('\n').filter(Boolean)
  return lines.length ? lines[lines.length - 1].slice(0, 300) : '(no output)'
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
