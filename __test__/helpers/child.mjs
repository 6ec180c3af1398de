// A server in a process of its own, for tests where the process's lifetime matters.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { scaled } from './slowdown.mjs'

/**
 * Starts `node ...args`; resolves once a line of stdout matches `ready`, with
 * the match, the child, and `exited` (a promise of { code, signal, stdout,
 * stderr } once it exits and its pipes close). The child is killed on
 * teardown and after `timeoutMs`.
 */
export async function startChild(t, args, { ready, env, timeoutMs = 30_000 }) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  const out = { stdout: '', stderr: '' }
  child.stdout.on('data', (d) => (out.stdout += d))
  child.stderr.on('data', (d) => (out.stderr += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), scaled(timeoutMs))
  const exited = once(child, 'close').then(([code, signal]) => {
    clearTimeout(timer)
    return { code, signal, ...out }
  })
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    return exited
  })
  const match = await new Promise((resolve, reject) => {
    const check = () => {
      const m = ready.exec(out.stdout)
      if (m) {
        child.stdout.off('data', check)
        resolve(m)
      }
    }
    child.stdout.on('data', check)
    exited.then((r) => reject(new Error(`the child exited (${r.code ?? r.signal}) before it was ready; stderr: ${r.stderr}`)))
  })
  return { match, child, exited, out }
}

/** True while the child has not exited. */
export const alive = (child) => child.exitCode === null && child.signalCode === null

/**
 * Runs `node ...args` until it exits by itself, resolving with its code,
 * signal, combined output and whether it had to be killed after `ms` (which
 * the test then reports: a run that never ends is what these tests look for).
 */
export function runToExit(args, { cwd, env, ms = 30_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    let killed = false
    const timer = setTimeout(() => {
      killed = true
      child.kill('SIGKILL')
    }, scaled(ms))
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, killed, out })
    })
  })
}

