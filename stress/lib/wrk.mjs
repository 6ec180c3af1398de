// Load from wrk (one bounded run in a process of its own), summarised as
// JSON by a small Lua script.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const SUMMARY = `
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"requests":%d,"us":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d,"p99":%d,"max":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(99), latency.max))
end
`

let script = null

/** True if wrk can be run. */
export function hasWrk() {
  return spawnSync('wrk', ['-v'], { stdio: 'ignore' }).error === undefined
}

/**
 * Runs wrk on `http://127.0.0.1:<port><path>` for `seconds` with
 * `connections`; resolves `{ requests, errors, non2xx, rps, p99Ms, maxMs }`.
 * Killed if it overruns by 15 s.
 */
export function wrk(port, { path: target = '/', connections = 50, seconds = 5, threads = 1 } = {}) {
  if (script === null) {
    script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mgnode-stress-')), 'summary.lua')
    fs.writeFileSync(script, SUMMARY)
  }
  const args = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', '5s', '-s', script, `http://127.0.0.1:${port}${target}`]
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 15) * 1000)
    child.on('close', () => {
      clearTimeout(timer)
      const m = /^WRK (.*)$/m.exec(out)
      if (!m) return reject(new Error(`wrk: ${out.trim().split('\n').pop()}`))
      const w = JSON.parse(m[1])
      resolve({
        requests: w.requests,
        errors: w.connect + w.read + w.write + w.timeout,
        non2xx: w.status,
        rps: w.requests / (w.us / 1e6),
        p99Ms: w.p99 / 1000,
        maxMs: w.max / 1000,
      })
    })
  })
}
