'use strict'
// Shared by every benchmark server script.
//
// Protocol with bench/run.mjs and bench/serve.mjs: the script listens on
// 127.0.0.1 (or $BENCH_HOST, when serve.mjs serves another host's load
// generator), port $PORT (0 picks a free one), then prints `PORT=<n>` on stdout. A script whose
// server cannot run here (an mgnode API that is not exported yet, a peer whose
// native module does not load) prints `UNAVAILABLE=<reason>` and exits with
// EXIT_UNAVAILABLE; the runner reports "not available" instead of failing.
// SIGTERM and SIGINT stop the server.

const path = require('node:path')

const HOST = process.env.BENCH_HOST || '127.0.0.1'
const EXIT_UNAVAILABLE = 78
const ROOT = path.resolve(__dirname, '..', '..')
// The mgnode build the mgnode servers load: this checkout's, or with
// --compare the other commit's, built in a temporary worktree. Everything
// else (the apps, the frameworks in node_modules) stays this checkout's.
const MGNODE_ROOT = process.env.BENCH_MGNODE_ROOT || ROOT

function port() {
  return Number(process.env.PORT || 0)
}

/**
 * Keep-alive timeout (ms) a scenario asks for through BENCH_KEEP_ALIVE_MS, so
 * idle connections it holds open are not closed under it; undefined: the default.
 */
function keepAliveMs() {
  const ms = Number(process.env.BENCH_KEEP_ALIVE_MS || 0)
  return ms > 0 ? ms : undefined
}

/** Worker count of scenario 10 (--workers, through BENCH_WORKERS); 2 by default. */
function workers() {
  const n = Number(process.env.BENCH_WORKERS || 2)
  return Number.isInteger(n) && n > 0 ? n : 2
}

function announce(p) {
  process.stdout.write(`PORT=${p}\n`)
}

function unavailable(reason) {
  process.stdout.write(`UNAVAILABLE=${String(reason).replace(/\s+/g, ' ')}\n`)
  process.exit(EXIT_UNAVAILABLE)
}

/** Loads a module, or reports the server as unavailable when it cannot load. */
function tryRequire(id, what) {
  try {
    return require(id)
  } catch (err) {
    unavailable(`${what || id} does not load: ${err.message.split('\n')[0]}`)
  }
}

/** mgnode's public API from dist/, checking that the named exports exist. */
function mgnode(...names) {
  const mod = tryRequire(path.join(MGNODE_ROOT, 'dist', 'index.js'), 'mgnode (run npm run build)')
  for (const name of names) {
    if (mod[name] === undefined) unavailable(`mgnode does not export ${name} yet`)
  }
  return mod
}

/**
 * Serves `app` (a request listener, Koa app, fetch app or module path) with
 * mgnode's `new Server(app, options)` and announces the port.
 */
async function serveMgnode(app, options) {
  const { Server } = mgnode('Server')
  let server
  let listener
  try {
    server = options === undefined ? new Server(app) : new Server(app, options)
    listener = await server.listen(`http://${HOST}:${port()}`)
  } catch (err) {
    // mgnode's own "I don't take this kind of app" (fetch apps, module paths
    // for workers) means the feature has not landed yet, not a broken server.
    if (err && err.code === 'ERR_MGNODE_NO_APP') unavailable(`mgnode's Server does not take this app yet: ${err.message}`)
    throw err
  }
  announce(listener.localAddr[1])
  onStop(() => server.close())
  return server
}

/** Listens a node:http server (or anything with the same listen/address) and announces the port. */
function listenNode(server) {
  const ka = keepAliveMs()
  if (ka) server.keepAliveTimeout = ka
  server.listen(port(), HOST, () => announce(server.address().port))
  onStop(() => new Promise((resolve) => {
    server.close(resolve)
    if (server.closeAllConnections) server.closeAllConnections()
  }))
  return server
}

let stopping = false
function onStop(close) {
  const stop = async () => {
    if (stopping) return
    stopping = true
    const timer = setTimeout(() => process.exit(0), 2000)
    timer.unref()
    try {
      await close()
    } finally {
      process.exit(0)
    }
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

/** Runs an async main, turning a rejection into a visible failure. */
function main(fn) {
  Promise.resolve()
    .then(fn)
    .catch((err) => {
      console.error(err && err.stack ? err.stack : err)
      process.exit(1)
    })
}

module.exports = { HOST, EXIT_UNAVAILABLE, ROOT, port, workers, announce, unavailable, tryRequire, mgnode, serveMgnode, listenNode, onStop, main }

/** Serves `handler(req, reply)` on the low-level Manager API and announces the port. */
async function serveManager(handler, options) {
  const { Manager } = mgnode('Manager')
  const mgr = new Manager()
  const ka = keepAliveMs()
  const listener = await mgr.listen(`http://${HOST}:${port()}`, handler, ka ? { keepAliveTimeout: ka, ...options } : options)
  announce(listener.localAddr[1])
  onStop(() => mgr.close())
  return mgr
}

module.exports.serveManager = serveManager

/**
 * The TLS scenarios' certificate and key (PEM), which the runner makes for
 * each run and names in BENCH_TLS_CERT and BENCH_TLS_KEY.
 */
function tlsFiles() {
  const fs = require('node:fs')
  const cert = process.env.BENCH_TLS_CERT
  const key = process.env.BENCH_TLS_KEY
  if (!cert || !key) throw new Error('BENCH_TLS_CERT and BENCH_TLS_KEY must name the TLS scenario\'s certificate and key')
  return { cert: fs.readFileSync(cert), key: fs.readFileSync(key) }
}

/**
 * The TLS scenarios serve HTTPS on PORT; with BENCH_FLOOD (the handshake
 * flood), the same process serves plain HTTP on PORT, which the runner
 * measures, and HTTPS on the port it announces first as TLS_PORT, which it floods.
 */
function flooded() {
  return process.env.BENCH_FLOOD === '1'
}

/** Announces the HTTPS port of a flooded server (before PORT). */
function announceTls(p) {
  process.stdout.write(`TLS_PORT=${p}\n`)
}

module.exports.tlsFiles = tlsFiles
module.exports.flooded = flooded
module.exports.announceTls = announceTls
