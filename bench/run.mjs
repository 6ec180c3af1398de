#!/usr/bin/env node
// mgnode benchmark runner: `npm run bench` (see bench/README.md).
//
// Starts every server of a scenario in its own process on 127.0.0.1, checks
// once that it answers the expected bytes, then drives each with wrk (or
// autocannon when wrk cannot be had) in interleaved rounds, sampling the
// resident memory of the server's process tree during the load. Reports
// medians over the rounds and each server's ratio to the scenario's baseline
// measured in the same run, as a markdown table on stdout and in
// bench/results/latest.{md,json}.
import { spawn, spawnSync, execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { SCENARIOS, RSS_ALLOWANCE, BODY_PATTERN } from './scenarios.mjs'

const BENCH = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.dirname(BENCH)
const SERVERS_DIR = path.join(BENCH, 'servers')
const RESULTS_DIR = path.join(BENCH, 'results')
const EXIT_UNAVAILABLE = 78
const HOST = '127.0.0.1'
const START_TIMEOUT_MS = 30_000
const SAMPLE_MS = 50
const require = createRequire(import.meta.url)

// ---------------------------------------------------------------- options

const HELP = `Usage: npm run bench -- [options]

  --scenarios a,b     scenarios to run, by number or id (default: all)
  --servers x,y       servers to run, by id (the baseline always runs)
  --duration 5s       length of each measured run
  --connections 50    concurrent connections
  --threads 1         wrk threads
  --rounds 3          measured rounds per server (medians are reported)
  --warmup 1s         unmeasured run before the rounds (0 to skip)
  --wait-quiet 15s    before each scenario, wait up to this long for other
                      processes to stop using the CPU (0 to skip)
  --quick             1 round of 3s
  --tool wrk|autocannon   load generator (default: wrk, installed with apt-get if missing)
  --no-save           do not write bench/results/latest.{json,md}
  --list              list scenarios and servers, then exit
  -h, --help          this help
`

function parseOptions() {
  const { values } = parseArgs({
    options: {
      scenarios: { type: 'string' },
      servers: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string', default: '50' },
      threads: { type: 'string', default: '1' },
      rounds: { type: 'string' },
      warmup: { type: 'string', default: '1s' },
      'wait-quiet': { type: 'string', default: '15s' },
      quick: { type: 'boolean', default: false },
      tool: { type: 'string' },
      'no-save': { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  const int = (name, value, min) => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${value}`)
    return n
  }
  const opts = {
    help: values.help,
    list: values.list,
    save: !values['no-save'],
    connections: int('connections', values.connections, 1),
    threads: int('threads', values.threads, 1),
    rounds: int('rounds', values.rounds ?? (values.quick ? 1 : 3), 1),
    duration: parseDuration('duration', values.duration ?? (values.quick ? '3s' : '5s')),
    warmup: values.warmup === '0' ? 0 : parseDuration('warmup', values.warmup),
    waitQuiet: values['wait-quiet'] === '0' ? 0 : parseDuration('wait-quiet', values['wait-quiet']),
    tool: values.tool,
    scenarios: list(values.scenarios),
    servers: list(values.servers),
  }
  if (opts.duration < 1) throw new Error('--duration must be at least 1s')
  if (opts.duration > 120) throw new Error('--duration is capped at 120s')
  if (opts.warmup > 30) throw new Error('--warmup is capped at 30s')
  if (opts.waitQuiet > 600) throw new Error('--wait-quiet is capped at 600s')
  if (opts.connections < opts.threads) throw new Error('--connections must be >= --threads')
  if (opts.tool && !['wrk', 'autocannon'].includes(opts.tool)) throw new Error('--tool is wrk or autocannon')
  return opts
}

function list(value) {
  return value ? value.split(',').map((s) => s.trim()).filter(Boolean) : null
}

/** '5s', '500ms', '1m' or a bare number of seconds -> whole seconds (wrk's resolution). */
function parseDuration(name, value) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(String(value).trim())
  if (!m) throw new Error(`--${name}: cannot read duration ${value}`)
  const n = Number(m[1])
  const seconds = m[2] === 'ms' ? n / 1000 : m[2] === 'm' ? n * 60 : n
  return Math.max(1, Math.round(seconds))
}

function selectScenarios(opts) {
  let scenarios = SCENARIOS
  if (opts.scenarios) {
    const wanted = new Set(opts.scenarios)
    const known = new Set(SCENARIOS.flatMap((s) => [String(s.n), s.id]))
    for (const w of wanted) if (!known.has(w)) throw new Error(`unknown scenario ${w} (see --list)`)
    scenarios = SCENARIOS.filter((s) => wanted.has(String(s.n)) || wanted.has(s.id))
  }
  if (opts.servers) {
    const wanted = new Set(opts.servers)
    const known = new Set(SCENARIOS.flatMap((s) => s.servers.map((v) => v.id)))
    for (const w of wanted) if (!known.has(w)) throw new Error(`unknown server ${w} (see --list)`)
    scenarios = scenarios
      .map((s) => ({ ...s, servers: s.servers.filter((v) => v.kind === 'baseline' || wanted.has(v.id)) }))
      .filter((s) => s.servers.some((v) => v.kind !== 'baseline'))
  }
  return scenarios
}

function printList() {
  for (const s of SCENARIOS) {
    console.log(`${String(s.n).padStart(2)}  ${s.id.padEnd(9)} ${s.title}`)
    for (const v of s.servers) {
      const what = v.c ? `bench/c/${v.c}` : `bench/servers/${v.script}`
      const target = v.target ? `  target >= ${v.target}x` : ''
      console.log(`      ${v.id.padEnd(17)} ${v.kind.padEnd(8)} ${what}${target}`)
    }
  }
}

// ---------------------------------------------------------------- environment

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : null
}

/** wrk when it is there or can be installed with apt-get; otherwise autocannon. */
function chooseTool(requested) {
  if (requested !== 'autocannon') {
    if (which('wrk')) return 'wrk'
    const root = typeof process.getuid === 'function' && process.getuid() === 0
    if (root && which('apt-get')) {
      console.error('wrk is missing: installing it with apt-get')
      const install = () => spawnSync('apt-get', ['install', '-y', '-q', 'wrk'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
      if (install().status !== 0) {
        spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit' })
        install()
      }
      if (which('wrk')) return 'wrk'
    }
    if (requested === 'wrk') throw new Error('wrk is not installed and could not be installed (apt-get install wrk)')
    console.error('wrk is not available: falling back to autocannon')
  }
  try {
    require.resolve('autocannon/autocannon.js')
  } catch {
    throw new Error('neither wrk nor autocannon is available: apt-get install wrk, or npm install')
  }
  return 'autocannon'
}

function toolVersion(tool) {
  if (tool === 'wrk') {
    const r = spawnSync('wrk', ['-v'], { encoding: 'utf8' })
    return (r.stdout + r.stderr).split('\n')[0].replace(/\s+Copyright.*$/, '').trim()
  }
  return `autocannon ${require('autocannon/package.json').version}`
}

function machine() {
  const cpus = os.cpus()
  let commit = null
  let dirty = false
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'crates'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== ''
  } catch {}
  let mongoose = null
  try {
    mongoose = /#define MG_VERSION "([^"]+)"/.exec(fs.readFileSync(path.join(ROOT, 'vendor/mongoose/mongoose.h'), 'utf8'))[1]
  } catch {}
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus.length,
    cpuModel: cpus[0] ? cpus[0].model.trim() : 'unknown',
    memory: os.totalmem(),
    kernel: os.release(),
    commit,
    dirty,
    mongoose,
    versions: packageVersions(),
  }
}

function packageVersions() {
  const out = {}
  for (const name of ['express', 'koa', '@koa/router', 'fastify', 'hono', '@hono/node-server', '@trufflesuite/uws-js-unofficial', 'ultimate-express']) {
    try {
      out[name] = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version
    } catch {
      out[name] = null
    }
  }
  return out
}

// ---------------------------------------------------------------- the C ceiling

/** Builds bench/c/<file> against vendor/mongoose with gcc -O2; returns the binary or why not. */
function buildC(file, tmp) {
  const src = path.join(BENCH, 'c', file)
  const mg = path.join(ROOT, 'vendor', 'mongoose')
  const out = path.join(tmp, path.basename(file, '.c'))
  if (fs.existsSync(out)) return { binary: out }
  if (!fs.existsSync(path.join(mg, 'mongoose.c'))) return { reason: 'vendor/mongoose is missing (npm run build fetches it)' }
  if (!which('gcc')) return { reason: 'gcc is not installed' }
  // The engine's own build flags (crates/mongoose-sys/build.rs), minus TLS and IPv6.
  const args = [
    '-O2', '-DMG_ENABLE_EPOLL=0', '-DMG_ENABLE_POLL=1', '-DMG_ENABLE_LOG=0', '-DMG_IO_SIZE=32768',
    '-DMG_SOCK_LISTEN_BACKLOG_SIZE=511', `-I${mg}`, '-o', out, src, path.join(mg, 'mongoose.c'),
  ]
  const r = spawnSync('gcc', args, { encoding: 'utf8' })
  if (r.status !== 0) return { reason: `gcc failed: ${(r.stderr || '').split('\n').slice(0, 3).join(' ')}` }
  return { binary: out }
}

// ---------------------------------------------------------------- server processes

const running = new Set()

class ServerProcess {
  constructor(command, args, env = {}) {
    this.stderr = ''
    this.exit = null
    this.child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, ...env, PORT: '0', NODE_ENV: 'production' },
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

  /** Resolves { port } once the server announced it, or { unavailable } / { failed }. */
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
        if ((m = /^PORT=(\d+)$/m.exec(buf))) finish({ port: Number(m[1]) })
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

function stopAllSync() {
  for (const s of running) {
    try {
      process.kill(-s.pid, 'SIGKILL')
    } catch {}
  }
}

function lastLine(text) {
  const lines = String(text).trim().split('\n').filter(Boolean)
  return lines.length ? lines[lines.length - 1].slice(0, 300) : '(no output)'
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// ---------------------------------------------------------------- memory

/** The pids of `pid` and all its descendants, from /proc/<pid>/task/<tid>/children. */
function processTree(pid) {
  const out = []
  const stack = [pid]
  while (stack.length) {
    const p = stack.pop()
    out.push(p)
    let tasks = []
    try {
      tasks = fs.readdirSync(`/proc/${p}/task`)
    } catch {
      continue
    }
    for (const t of tasks) {
      try {
        for (const c of fs.readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(/\s+/)) if (c) stack.push(Number(c))
      } catch {}
    }
  }
  return out
}

function statusKiB(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : 0
  } catch {
    return 0
  }
}

/** Resident bytes of the whole tree right now. */
function treeRss(pids) {
  let kib = 0
  for (const p of pids) kib += statusKiB(p, 'VmRSS')
  return kib * 1024
}

/** Samples the tree's resident memory every SAMPLE_MS; stop() returns the peak in bytes. */
function sampleRss(rootPid) {
  let pids = processTree(rootPid)
  let peak = treeRss(pids)
  let ticks = 0
  const timer = setInterval(() => {
    if (++ticks % 20 === 0) pids = processTree(rootPid)
    const rss = treeRss(pids)
    if (rss > peak) peak = rss
  }, SAMPLE_MS)
  return {
    stop() {
      clearInterval(timer)
      const rss = treeRss(pids)
      return rss > peak ? rss : peak
    },
  }
}

// ---------------------------------------------------------------- other load on the machine

// Other processes competing for the cores skew every figure. Each round
// measures the CPU time the whole machine spent (/proc/stat) minus what the
// server tree, wrk and this runner spent; what is left was someone else's.

const CLK_TCK = 100 // USER_HZ, the unit of /proc/stat and /proc/<pid>/stat

function machineBusyTicks() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait
    return f[0] + f[1] + f[2] + f[5] + f[6] + f[7]
  } catch {
    return null
  }
}

/** utime + stime (+ cutime + cstime with `children`) of one process, in ticks. */
function pidTicks(pid, children = false) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number)
    // f[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
    return f[11] + f[12] + (children ? f[13] + f[14] : 0)
  } catch {
    return 0
  }
}

function treeTicks(pids) {
  let t = 0
  for (const p of pids) t += pidTicks(p, true)
  return t
}

/** Starts accounting; stop() returns the cores' worth of CPU used by unrelated processes. */
function foreignCpu(rootPid) {
  const pids = processTree(rootPid)
  const t0 = Date.now()
  const machine0 = machineBusyTicks()
  const ours0 = treeTicks(pids) + pidTicks(process.pid, true)
  return {
    stop() {
      const machine1 = machineBusyTicks()
      if (machine0 === null || machine1 === null) return null
      const ours1 = treeTicks(processTree(rootPid).filter((p) => pids.includes(p))) + pidTicks(process.pid, true)
      const seconds = (Date.now() - t0) / 1000
      const foreign = machine1 - machine0 - (ours1 - ours0)
      return Math.max(0, foreign / CLK_TCK / seconds)
    },
  }
}

/** Cores' worth of CPU the machine is using right now, over `ms`. */
async function busyCores(ms = 500, roots = []) {
  const pids = [process.pid, ...roots.flatMap((p) => processTree(p))]
  const ours = () => pids.reduce((t, p) => t + pidTicks(p), 0)
  const a = machineBusyTicks()
  const ours0 = ours()
  await sleep(ms)
  const b = machineBusyTicks()
  if (a === null || b === null) return null
  return Math.max(0, (b - a - (ours() - ours0)) / CLK_TCK / (ms / 1000))
}

/** Waits up to `seconds` for the machine to be quiet (idle servers do not count: they idle). */
async function waitQuiet(seconds, log, roots) {
  const deadline = Date.now() + seconds * 1000
  let busy = await busyCores(300, roots)
  if (busy === null || busy <= FOREIGN_CPU_LIMIT) return
  log(`  other processes are using ${busy.toFixed(2)} cores: waiting up to ${seconds}s for them`)
  while (Date.now() < deadline) {
    busy = await busyCores(500, roots)
    if (busy <= FOREIGN_CPU_LIMIT) return
  }
  log(`  still busy (${busy.toFixed(2)} cores): going on, rounds will be flagged`)
}

// Rounds in which other processes used more than this many cores are flagged.
const FOREIGN_CPU_LIMIT = 0.15

// ---------------------------------------------------------------- the check request

function requestBody(req) {
  return req.bodySize ? Buffer.alloc(req.bodySize, BODY_PATTERN) : null
}

/**
 * Sends the scenario's request once over a raw socket and reads the response:
 * status, headers as sent, body (Content-Length or chunked), and whether the
 * server closed the connection afterwards.
 */
function probe(port, req, { waitClose = false, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const body = requestBody(req)
    const headers = { Host: `${HOST}:${port}`, ...(req.headers || {}) }
    if (body) headers['Content-Length'] = String(body.length)
    let head = `${req.method} ${req.path} HTTP/1.1\r\n`
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`
    head += '\r\n'

    const sock = net.connect(port, HOST)
    let buf = Buffer.alloc(0)
    let res = null
    let settled = false
    const timer = setTimeout(() => fail(new Error(`no complete response within ${timeoutMs} ms`)), timeoutMs)
    const fail = (err) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      sock.destroy()
      reject(err)
    }
    const succeed = (closed) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      sock.destroy()
      resolve({ ...res, closed })
    }
    let complete = false
    const tryParse = () => {
      if (!res) {
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        const lines = buf.subarray(0, end).toString('latin1').split('\r\n')
        const status = Number(lines[0].split(' ')[1])
        const hdrs = lines.slice(1).map((l) => {
          const i = l.indexOf(':')
          return [l.slice(0, i).trim(), l.slice(i + 1).trim()]
        })
        res = { statusLine: lines[0], status, headers: hdrs, headBytes: end + 4 }
        buf = buf.subarray(end + 4)
      }
      const get = (name) => res.headers.find(([k]) => k.toLowerCase() === name)?.[1]
      const te = get('transfer-encoding')
      const cl = get('content-length')
      if (te && /chunked/i.test(te)) {
        res.framing = 'chunked'
        const parts = []
        let off = 0
        for (;;) {
          const nl = buf.indexOf('\r\n', off)
          if (nl < 0) return
          const size = parseInt(buf.subarray(off, nl).toString('latin1'), 16)
          if (buf.length < nl + 2 + size + 2) return
          if (size === 0) break
          parts.push(buf.subarray(nl + 2, nl + 2 + size))
          off = nl + 2 + size + 2
        }
        res.body = Buffer.concat(parts)
      } else if (cl !== undefined) {
        res.framing = 'content-length'
        if (buf.length < Number(cl)) return
        res.body = buf.subarray(0, Number(cl))
      } else {
        res.framing = 'close'
        return // read until the server closes
      }
      complete = true
      if (!waitClose) succeed(false)
      // A server that keeps the connection open after a complete response.
      else setTimeout(() => succeed(false), 1000)
    }
    sock.on('connect', () => sock.write(body ? Buffer.concat([Buffer.from(head), body]) : head))
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d])
      if (!complete) tryParse()
    })
    sock.on('end', () => {
      if (res && res.framing === 'close' && !complete) {
        res.body = buf
        complete = true
      }
      if (complete) succeed(true)
      else fail(new Error('connection closed before the response was complete'))
    })
    sock.on('error', fail)
  })
}

async function check(port, scenario) {
  let res
  let lastErr
  for (let i = 0; i < 20; i++) {
    try {
      res = await probe(port, scenario.request, { waitClose: !!scenario.expect.closes })
      break
    } catch (err) {
      lastErr = err
      await sleep(250)
    }
  }
  if (!res) return { ok: false, reason: `check request failed: ${lastErr.message}` }
  const headerNames = res.headers.map(([k]) => k)
  const contentType = res.headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? null
  const info = {
    status: res.status,
    framing: res.framing,
    contentType,
    headerNames,
    headBytes: res.headBytes,
    bodyBytes: res.body.length,
    closed: res.closed,
  }
  const exp = scenario.expect
  if (res.status !== 200) return { ok: false, reason: `check: status ${res.status}, expected 200`, info }
  if (!res.body.equals(exp.body)) {
    const got = res.body.length > 60 ? `${res.body.length} bytes` : JSON.stringify(res.body.toString('latin1'))
    return { ok: false, reason: `check: wrong body (${got}), expected ${exp.body.length} bytes`, info }
  }
  const notes = []
  if (exp.contentType && (contentType || '').toLowerCase() !== exp.contentType) notes.push(`content-type is ${JSON.stringify(contentType)}, expected ${JSON.stringify(exp.contentType)}`)
  if (exp.closes && !res.closed) notes.push('kept the connection open despite Connection: close')
  const connection = res.headers.find(([k]) => k.toLowerCase() === 'connection')?.[1] ?? ''
  if (exp.closes && res.closed && !/close/i.test(connection)) notes.push('closes the connection without saying Connection: close')
  return { ok: true, info, notes }
}

// ---------------------------------------------------------------- load

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

function runChild(cmd, args, limitMs) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
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

/** One bounded load run; resolves { rps, p50, p99, ... } in µs, or { error }. */
async function load(tool, port, scenario, seconds, opts, tmp) {
  const url = `http://${HOST}:${port}${scenario.request.path}`
  const limit = (seconds + 20) * 1000
  if (tool === 'wrk') {
    const script = scenario._wrkScript || (scenario._wrkScript = wrkScript(scenario, tmp))
    const args = ['-t', String(opts.threads), '-c', String(opts.connections), '-d', `${seconds}s`, '--timeout', '5s', '-s', script, url]
    const r = await runChild('wrk', args, limit)
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
  const r = await runChild(process.execPath, args, limit)
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

// ---------------------------------------------------------------- the run

function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (!v.length) return null
  const mid = v.length >> 1
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

/**
 * Opens `count` keep-alive connections that each make the scenario's request
 * once, then stay open and silent while the server is loaded, as clients
 * between requests do (a busy site holds thousands of them).
 */
async function openIdleConnections(port, scenario, count) {
  const sockets = []
  let failed = 0
  const head = `${scenario.request.method} ${scenario.request.path} HTTP/1.1\r\nHost: ${HOST}:${port}\r\n\r\n`
  const openOne = () =>
    new Promise((resolve) => {
      const socket = net.connect(port, HOST)
      const fail = () => {
        failed++
        socket.destroy()
        resolve()
      }
      socket.setTimeout(5000, fail)
      socket.once('error', fail)
      socket.once('connect', () => socket.write(head))
      socket.once('data', () => {
        socket.setTimeout(0)
        socket.removeListener('error', fail)
        socket.on('error', () => {})
        sockets.push(socket)
        resolve()
      })
    })
  for (let opened = 0; opened < count; opened += 100) {
    await Promise.all(Array.from({ length: Math.min(100, count - opened) }, openOne))
  }
  return { sockets, failed, close: () => sockets.forEach((s) => s.destroy()) }
}

async function runScenario(scenario, opts, tool, tmp, log) {
  log(`\n## ${scenario.n}. ${scenario.title}`)
  const results = scenario.servers.map((def) => ({
    id: def.id,
    label: def.label,
    kind: def.kind,
    target: def.target ?? null,
    what: def.c ? `bench/c/${def.c}` : `bench/servers/${def.script}`,
    status: 'pending',
    reason: null,
    notes: [],
    rounds: [],
  }))
  const procs = new Map()

  try {
    // Start and check every server of the scenario.
    for (let i = 0; i < results.length; i++) {
      const def = scenario.servers[i]
      const r = results[i]
      let command = process.execPath
      let args = [path.join(SERVERS_DIR, def.script || '')]
      if (def.c) {
        const built = buildC(def.c, tmp)
        if (!built.binary) {
          r.status = 'unavailable'
          r.reason = built.reason
          log(`  ${def.label}: not available: ${r.reason}`)
          continue
        }
        command = built.binary
        args = []
      }
      const t0 = Date.now()
      const proc = new ServerProcess(command, args, scenario.serverEnv)
      const ready = await proc.ready()
      if (!ready.port) {
        r.status = ready.unavailable ? 'unavailable' : 'failed'
        r.reason = ready.unavailable || ready.failed
        log(`  ${def.label}: ${r.status === 'unavailable' ? 'not available' : 'FAILED'}: ${r.reason}`)
        await proc.stop()
        continue
      }
      const c = await check(ready.port, scenario)
      r.check = c.info ?? null
      if (!c.ok) {
        r.status = 'failed'
        r.reason = c.reason
        log(`  ${def.label}: FAILED: ${r.reason}`)
        await proc.stop()
        continue
      }
      r.notes.push(...c.notes)
      r.startMs = Date.now() - t0
      r.idleRss = treeRss(processTree(proc.pid))
      r.status = 'ok'
      procs.set(r, { proc, port: ready.port })
      log(`  ${def.label}: port ${ready.port}, ${c.info.framing}, ${c.info.headBytes} B head, started in ${r.startMs} ms`)
    }

    const live = () => results.filter((r) => r.status === 'ok')
    const lost = (r) => {
      const { proc } = procs.get(r)
      if (proc.alive) return false
      r.status = 'failed'
      r.reason = `server exited during the load (${proc.exit.signal || proc.exit.code}): ${lastLine(proc.stderr)}`
      log(`  ${r.label}: FAILED: ${r.reason}`)
      return true
    }

    if (opts.waitQuiet > 0 && live().length) await waitQuiet(opts.waitQuiet, log, live().map((r) => procs.get(r).proc.pid))

    if (opts.warmup > 0) {
      for (const r of live()) {
        const w = await load(tool, procs.get(r).port, scenario, opts.warmup, opts, tmp)
        if (w.error) r.notes.push(`warm-up: ${w.error}`)
        lost(r)
      }
    }

    if (scenario.idleConnections) {
      for (const r of live()) {
        const { port } = procs.get(r)
        const idle = await openIdleConnections(port, scenario, scenario.idleConnections)
        procs.get(r).idle = idle
        if (idle.failed) r.notes.push(`${idle.failed} of ${scenario.idleConnections} idle connections could not be opened`)
        log(`  ${r.label}: ${idle.sockets.length} idle keep-alive connections open`)
      }
    }

    for (let round = 0; round < opts.rounds; round++) {
      const order = live()
      // Rotate the order each round so that no server always runs first.
      const rotated = order.slice(round % Math.max(order.length, 1)).concat(order.slice(0, round % Math.max(order.length, 1)))
      for (const r of rotated) {
        const { proc, port } = procs.get(r)
        const sampler = sampleRss(proc.pid)
        const cpu = foreignCpu(proc.pid)
        const m = await load(tool, port, scenario, opts.duration, opts, tmp)
        m.peakRss = sampler.stop()
        m.foreignCpu = cpu.stop()
        if (lost(r)) continue
        r.rounds.push(m)
        if (m.error) log(`  round ${round + 1} ${r.label}: ${m.error}`)
        else log(`  round ${round + 1} ${r.label.padEnd(26)} ${fmtInt(m.rps).padStart(9)} req/s  p50 ${fmtLatency(m.p50)}  p99 ${fmtLatency(m.p99)}  RSS ${fmtBytes(m.peakRss)}${m.errors || m.non2xx ? `  errors ${m.errors} non-2xx ${m.non2xx}` : ''}${m.foreignCpu > FOREIGN_CPU_LIMIT ? `  DISTURBED: other processes used ${m.foreignCpu.toFixed(2)} cores` : ''}`)
      }
    }

    for (const r of results) {
      const ok = r.rounds.filter((m) => !m.error)
      if (r.status === 'ok' && !ok.length) {
        r.status = 'failed'
        r.reason = r.rounds[0]?.error || 'no round completed'
      }
      if (!ok.length) continue
      r.rps = median(ok.map((m) => m.rps))
      r.p50 = median(ok.map((m) => m.p50))
      r.p99 = median(ok.map((m) => m.p99))
      r.peakRss = Math.max(...ok.map((m) => m.peakRss))
      r.bytesPerSec = median(ok.map((m) => m.bytesPerSec))
      const errors = ok.reduce((s, m) => s + m.errors, 0)
      const non2xx = ok.reduce((s, m) => s + m.non2xx, 0)
      const requests = ok.reduce((s, m) => s + m.requests, 0)
      r.errors = errors
      r.non2xx = non2xx
      const disturbed = ok.filter((m) => m.foreignCpu > FOREIGN_CPU_LIMIT)
      r.disturbedRounds = disturbed.length
      if (disturbed.length) {
        const worst = Math.max(...disturbed.map((m) => m.foreignCpu))
        r.notes.push(`${disturbed.length} of ${ok.length} rounds disturbed by other processes (up to ${worst.toFixed(2)} cores): figures unreliable`)
      }
      if (non2xx) r.notes.push(`${non2xx} non-2xx responses under load`)
      if (errors) {
        const by = {}
        for (const m of ok) for (const [k, v] of Object.entries(m.errorsBy || {})) by[k] = (by[k] || 0) + v
        const kinds = Object.entries(by).filter(([, v]) => v).map(([k, v]) => `${k} ${v}`).join(', ')
        r.notes.push(`${errors} socket errors under load${kinds ? ` (${kinds})` : ''}, ${((100 * errors) / Math.max(requests, 1)).toFixed(2)}% of requests`)
      }
    }
  } finally {
    for (const { idle } of procs.values()) idle?.close()
    await Promise.all([...procs.values()].map(({ proc }) => proc.stop()))
  }

  // Ratios to the baseline, and the targets of mgnode rows.
  const base = results.find((r) => r.kind === 'baseline' && r.rps)
  for (const r of results) {
    if (!r.rps || !base) continue
    r.ratio = r.rps / base.rps
    if (r.kind !== 'mgnode') continue
    const t = {}
    if (r.target) t.throughput = { want: r.target, met: r.ratio >= r.target }
    t.p99 = { want: base.p99, met: r.p99 <= base.p99 }
    t.rss = { want: base.peakRss + RSS_ALLOWANCE, met: r.peakRss <= base.peakRss + RSS_ALLOWANCE }
    r.targets = t
  }
  // Same framing and content type as the baseline?
  if (base?.check) {
    for (const r of results) {
      if (r === base || !r.check) continue
      if (r.check.framing !== base.check.framing) r.notes.push(`framing ${r.check.framing}, baseline ${base.check.framing}`)
    }
  }
  return { n: scenario.n, id: scenario.id, title: scenario.title, request: { ...scenario.request }, servers: results }
}

// ---------------------------------------------------------------- output

function fmtInt(n) {
  return Math.round(n).toLocaleString('en-US')
}

function fmtLatency(us) {
  if (us == null) return ''
  if (us === 0) return '< 1 ms' // autocannon's resolution
  if (us >= 1000) return `${(us / 1000).toFixed(us >= 100_000 ? 0 : 2)} ms`
  return `${Math.round(us)} µs`
}

function fmtBytes(b) {
  if (b == null) return ''
  return `${(b / (1024 * 1024)).toFixed(0)} MiB`
}

function fmtTargets(r) {
  if (!r.targets) return ''
  const mark = (ok) => (ok ? '✓' : '✗')
  const parts = []
  if (r.targets.throughput) parts.push(`≥${r.targets.throughput.want}× ${mark(r.targets.throughput.met)}`)
  parts.push(`p99 ${mark(r.targets.p99.met)}`)
  parts.push(`RSS ${mark(r.targets.rss.met)}`)
  return parts.join(' · ')
}

function markdown(report) {
  const { meta, settings } = report
  const lines = []
  lines.push('# mgnode benchmark')
  lines.push('')
  lines.push(
    `${meta.date.slice(0, 16).replace('T', ' ')} UTC · ${meta.cpus} × ${meta.cpuModel} · Node ${meta.node} · ` +
      `Mongoose ${meta.mongoose ?? '?'} · commit ${meta.commit ?? '?'}${meta.dirty ? ' (+ uncommitted changes)' : ''}`,
  )
  lines.push('')
  lines.push(
    `${settings.toolVersion}, ${settings.tool === 'wrk' ? `${settings.threads} thread${settings.threads > 1 ? 's' : ''}` : '1 process'}, ${settings.connections} connections, ` +
      `${settings.rounds} × ${settings.duration} s rounds after a ${settings.warmup} s warm-up; medians of the rounds, peak RSS of the server's process tree over the rounds. ` +
      `× base: requests/s over the scenario's baseline (node:http, or @hono/node-server) in this run.`,
  )
  lines.push('')
  lines.push('| # | scenario | server | req/s | × base | p50 | p99 | peak RSS | targets |')
  lines.push('|--:|---|---|--:|--:|--:|--:|--:|---|')
  const notes = []
  for (const s of report.scenarios) {
    s.servers.forEach((r, i) => {
      const first = i === 0
      const cells = [first ? String(s.n) : '', first ? s.title : '', r.label]
      if (r.rps) {
        cells.push(fmtInt(r.rps) + (r.disturbedRounds ? ' ⚠' : ''), r.ratio ? `${r.ratio.toFixed(2)}×` : '', fmtLatency(r.p50), fmtLatency(r.p99), fmtBytes(r.peakRss), fmtTargets(r))
      } else {
        const what = r.status === 'unavailable' ? 'not available' : 'failed'
        cells.push(what, '', '', '', '', '')
        notes.push(`${s.n}. ${r.label}: ${what}: ${r.reason}`)
      }
      if (r.rps && r.status !== 'ok') notes.push(`${s.n}. ${r.label}: ${r.status}: ${r.reason} (figures from the rounds before)`)
      for (const n of r.notes) notes.push(`${s.n}. ${r.label}: ${n}`)
      lines.push(`| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`)
    })
  }
  const disturbed = report.scenarios.flatMap((sc) => sc.servers).filter((r) => r.disturbedRounds)
  if (disturbed.length) {
    notes.unshift(`⚠ ${disturbed.length} servers had rounds during which other processes used more than ${FOREIGN_CPU_LIMIT} of a core: re-run on a quiet machine before trusting them.`)
  }
  if (notes.length) {
    lines.push('')
    lines.push('Notes:')
    lines.push('')
    for (const n of notes) lines.push(`- ${n}`)
  }
  lines.push('')
  lines.push(
    'Targets (mgnode rows): throughput ratio where the issue sets one; p99 no worse than the baseline; ' +
      `peak RSS at most the baseline's plus ${RSS_ALLOWANCE / 1024 / 1024} MiB.`,
  )
  return lines.join('\n') + '\n'
}

function writeAtomic(file, text) {
  fs.writeFileSync(`${file}.tmp`, text)
  fs.renameSync(`${file}.tmp`, file)
}

// ---------------------------------------------------------------- main

async function main() {
  let opts
  try {
    opts = parseOptions()
  } catch (err) {
    console.error(`${err.message}\n\n${HELP}`)
    process.exit(2)
  }
  if (opts.help) {
    console.log(HELP)
    return
  }
  if (opts.list) {
    printList()
    return
  }
  let scenarios
  try {
    scenarios = selectScenarios(opts)
  } catch (err) {
    console.error(err.message)
    process.exit(2)
  }
  const tool = chooseTool(opts.tool)
  const meta = machine()
  const settings = {
    tool,
    toolVersion: toolVersion(tool),
    threads: opts.threads,
    connections: opts.connections,
    duration: opts.duration,
    rounds: opts.rounds,
    warmup: opts.warmup,
  }
  const runs = scenarios.reduce((n, s) => n + s.servers.length, 0)
  const estimate = runs * (opts.warmup + opts.rounds * (opts.duration + 0.3) + 1)
  const log = (line) => console.error(line)
  log(`mgnode bench: ${scenarios.length} scenarios, ${runs} servers, ${settings.toolVersion} -t${opts.threads} -c${opts.connections} -d${opts.duration}s × ${opts.rounds} rounds; at most ~${Math.ceil(estimate / 60)} min`)

  const idle = await busyCores()
  meta.busyCoresAtStart = idle
  if (idle !== null && idle > FOREIGN_CPU_LIMIT) {
    log(`warning: other processes are using ${idle.toFixed(2)} cores right now; figures will be skewed (rounds they disturb are flagged)`)
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mgnode-bench-'))
  const cleanup = () => {
    stopAllSync()
    fs.rmSync(tmp, { recursive: true, force: true })
  }
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      cleanup()
      process.exit(130)
    })
  }

  const report = { meta, settings, scenarios: [] }
  try {
    for (const scenario of scenarios) report.scenarios.push(await runScenario(scenario, opts, tool, tmp, log))
  } finally {
    cleanup()
  }

  const md = markdown(report)
  process.stdout.write('\n' + md)
  if (opts.save) {
    fs.mkdirSync(RESULTS_DIR, { recursive: true })
    writeAtomic(path.join(RESULTS_DIR, 'latest.json'), JSON.stringify(report, null, 2) + '\n')
    writeAtomic(path.join(RESULTS_DIR, 'latest.md'), md)
    log(`\nwrote bench/results/latest.json and latest.md`)
  }
}

main().catch((err) => {
  stopAllSync()
  console.error(err && err.stack ? err.stack : err)
  process.exit(1)
})
