// Load: one bounded run of wrk (with a Lua script for the request and a JSON
// summary) or autocannon, each in its own process.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { BODY_PATTERN } from '../scenarios.mjs'
import { require } from './paths.mjs'
import { requestBody } from './check.mjs'
import { lastLine } from './processes.mjs'
import { withTaskset } from './pinning.mjs'

function wrkScript(scenario, dir) {
  const req = scenario.request
  const lua = []
  lua.push(`wrk.method = ${luaString(req.method)}`)
  for (const [k, v] of Object.entries(req.headers || {})) lua.push(`wrk.headers[${luaString(k)}] = ${luaString(v)}`)
  if (req.bodySize) {
    lua.push(`local pattern = ${luaString(BODY_PATTERN)}`)
    lua.push(`wrk.body = string.rep(pattern, math.ceil(${req.bodySize} / #pattern)):sub(1, ${req.bodySize})`)
  }
  lua.push(`
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%.0f,"duration_us":%.0f,"bytes":%.0f,"connect":%.0f,"read":%.0f,"write":%.0f,"status":%.0f,"timeout":%.0f,"p50":%.0f,"p90":%.0f,"p99":%.0f,"max":%.0f,"mean":%.1f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
`)
  const file = path.join(dir, `wrk-${scenario.id}.lua`)
  fs.writeFileSync(file, lua.join('\n'))
  return file
}

function luaString(s) {
  return '"' + String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r') + '"'
}

function runChild(cpus, command, args, limitMs) {
  return new Promise((resolve) => {
    const [cmd, argv] = withTaskset(cpus, command, args)
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)))
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

/**
 * One bounded load run against host:port, on `cpus` when pinned; resolves
 * { rps, p50, p99, ... } (latencies in µs), or { error }.
 */
export async function load(tool, { host, port }, scenario, seconds, opts, tmp, cpus = null) {
  // A flooded scenario measures plain HTTP; the flood is TLS (see `flood`).
  const scheme = scenario.tls && !scenario.flood ? 'https' : 'http'
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${scenario.request.path}`
  const limit = (seconds + 20) * 1000
  if (tool === 'wrk') {
    const script = scenario._wrkScript || (scenario._wrkScript = wrkScript(scenario, tmp))
    const args = ['-t', String(opts.threads), '-c', String(opts.connections), '-d', `${seconds}s`, '--timeout', '5s', '-s', script, url]
    const r = await runChild(cpus, 'wrk', args, limit)
    const m = /^WRKJSON (.*)$/m.exec(r.stdout)
    if (!m) return { error: `wrk: ${lastLine(r.stderr || r.stdout)}` }
    const w = JSON.parse(m[1])
    return {
      rps: w.requests / (w.duration_us / 1e6),
      requests: w.requests,
      p50: w.p50,
      p90: w.p90,
      p99: w.p99,
      max: w.max,
      errors: w.connect + w.read + w.write + w.timeout,
      errorsBy: { connect: w.connect, read: w.read, write: w.write, timeout: w.timeout },
      non2xx: w.status,
      bytesPerSec: w.bytes / (w.duration_us / 1e6),
    }
  }
  // autocannon: a separate process, as wrk is.
  const args = [require.resolve('autocannon/autocannon.js'), '-c', String(opts.connections), '-d', String(seconds), '-j', '-n', '-t', '5', '-m', scenario.request.method]
  for (const [k, v] of Object.entries(scenario.request.headers || {})) args.push('-H', `${k}=${v}`)
  if (scenario.request.bodySize) {
    const file = path.join(tmp, `body-${scenario.id}.bin`)
    if (!fs.existsSync(file)) fs.writeFileSync(file, requestBody(scenario.request))
    args.push('-i', file)
  }
  args.push(url)
  const r = await runChild(cpus, process.execPath, args, limit)
  let a
  try {
    a = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')))
  } catch {
    return { error: `autocannon: ${lastLine(r.stderr || r.stdout)}` }
  }
  return {
    rps: a.requests.total / a.duration,
    requests: a.requests.total,
    p50: a.latency.p50 * 1000,
    p90: a.latency.p90 * 1000,
    p99: a.latency.p99 * 1000,
    max: a.latency.max * 1000,
    errors: a.errors + a.timeouts,
    non2xx: a.non2xx,
    bytesPerSec: a.throughput.average,
  }
}

/**
 * The handshake flood of a scenario with `flood`: wrk making a new TLS
 * connection per request (Connection: close) to `tlsPort` for `seconds`,
 * beside the measured load. Resolves { rps, errors } or { error }.
 */
export async function flood({ host, tlsPort }, scenario, seconds, tmp, cpus = null) {
  const file = path.join(tmp, `wrk-${scenario.id}-flood.lua`)
  if (!fs.existsSync(file)) fs.writeFileSync(file, `wrk.headers["Connection"] = "close"\n`)
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${tlsPort}/`
  const args = ['-t', '1', '-c', String(scenario.flood.connections), '-d', `${seconds}s`, '--timeout', '5s', '-s', file, url]
  const r = await runChild(cpus, 'wrk', args, (seconds + 20) * 1000)
  const m = /Requests\/sec:\s*([\d.]+)/.exec(r.stdout)
  if (!m) return { error: `flood wrk: ${lastLine(r.stderr || r.stdout)}` }
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(r.stdout)
  return { rps: Number(m[1]), errors: errors ? errors.slice(1).reduce((n, v) => n + Number(v), 0) : 0 }
}
