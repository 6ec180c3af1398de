// The benchmark scenarios: what is requested, what must come back, and which
// servers answer it. Every server of a scenario serves the same bytes; the
// runner checks that once before loading it.
//
// Server kinds:
//   mgnode    - mgnode; its targets (ratio to the baseline, p99, RSS) are checked
//   baseline  - what a user runs today; every ratio in its scenario is to it
//   peer      - the fastest alternative a user could pick instead (not a target)
//   ceiling   - plain C on the same Mongoose source: the limit of the engine
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const payloads = require('./servers/apps/payloads.js')

const HELLO = Buffer.from(payloads.HELLO)
const USER_JSON = Buffer.from(JSON.stringify(payloads.user(payloads.USER_ID)))
const USER_PATH = `/user/${payloads.USER_ID}`

// One entry per kind of server; `id` is what --servers selects.
const MANAGER = { id: 'mgnode-manager', label: 'mgnode Manager API', kind: 'mgnode' }
const MGNODE = { id: 'mgnode', label: 'mgnode Server', kind: 'mgnode' }
const NODE = { id: 'node-http', label: 'node:http', kind: 'baseline' }
const UWS = { id: 'uws', label: 'uWebSockets.js (peer)', kind: 'peer', script: 'uws-hello.js' }
const C = { id: 'c-mongoose', label: 'C Mongoose (ceiling)', kind: 'ceiling', c: 'hello.c' }
const NODE_HTTPS = { id: 'node-https', label: 'node:https', kind: 'baseline', script: 'node-hello-tls.js' }
const MANAGER_TLS = { ...MANAGER, script: 'manager-hello-tls.js' }
const MGNODE_TLS = { ...MGNODE, label: 'mgnode createServer', script: 'mgnode-hello-tls.js' }

export const SCENARIOS = [
  {
    n: 1,
    id: 'hello',
    title: 'hello world, low-level API',
    request: { method: 'GET', path: '/' },
    expect: { body: HELLO, contentType: 'text/plain' },
    servers: [
      { ...MANAGER, script: 'manager-hello.js', target: 1.8 },
      { ...NODE, script: 'node-hello.js' },
      UWS,
      C,
    ],
  },
  {
    n: 2,
    id: 'listener',
    title: 'hello world, (req, res) listener',
    request: { method: 'GET', path: '/' },
    expect: { body: HELLO, contentType: 'text/plain' },
    servers: [
      { ...MGNODE, script: 'mgnode-hello.js', target: 1.4 },
      { ...NODE, script: 'node-hello.js' },
    ],
  },
  {
    n: 3,
    id: 'express',
    title: 'Express 5, res.json on /user/:id',
    request: { method: 'GET', path: USER_PATH },
    expect: { body: USER_JSON, contentType: 'application/json; charset=utf-8' },
    servers: [
      { ...MGNODE, script: 'express-mgnode.js', target: 1.5 },
      { ...NODE, script: 'express-node.js' },
      { id: 'ultimate-express', label: 'ultimate-express (peer)', kind: 'peer', script: 'express-ultimate.js' },
    ],
  },
  {
    n: 4,
    id: 'koa',
    title: 'Koa 3 + @koa/router, JSON on /user/:id',
    request: { method: 'GET', path: USER_PATH },
    expect: { body: USER_JSON, contentType: 'application/json; charset=utf-8' },
    servers: [
      { ...MGNODE, script: 'koa-mgnode.js', target: 1.5 },
      { ...NODE, script: 'koa-node.js' },
    ],
  },
  {
    n: 5,
    id: 'fastify',
    title: 'Fastify 5, JSON on /user/:id',
    request: { method: 'GET', path: USER_PATH },
    expect: { body: USER_JSON, contentType: 'application/json; charset=utf-8' },
    servers: [
      { ...MGNODE, label: 'mgnode createServer', script: 'fastify-mgnode.js' },
      { ...NODE, script: 'fastify-node.js' },
    ],
  },
  {
    n: 6,
    id: 'hono',
    title: 'Hono 4, JSON on /user/:id',
    request: { method: 'GET', path: USER_PATH },
    expect: { body: USER_JSON, contentType: 'application/json' },
    servers: [
      { ...MGNODE, script: 'hono-mgnode.js', target: 1.3 },
      { id: 'hono-node-server', label: '@hono/node-server', kind: 'baseline', script: 'hono-node.js' },
    ],
  },
  {
    n: 7,
    id: 'big',
    title: '1 MiB response',
    request: { method: 'GET', path: '/' },
    expect: { body: payloads.patterned(payloads.BIG_SIZE), contentType: 'application/octet-stream' },
    servers: [
      { ...MANAGER, script: 'manager-big.js', target: 1.0 },
      { ...MGNODE, script: 'mgnode-big.js', target: 1.0 },
      { ...NODE, script: 'node-big.js' },
    ],
  },
  {
    n: 8,
    id: 'echo',
    title: '64 KiB POST echoed back',
    request: {
      method: 'POST',
      path: '/',
      headers: { 'Content-Type': 'application/octet-stream' },
      bodySize: payloads.ECHO_SIZE,
    },
    expect: { body: payloads.patterned(payloads.ECHO_SIZE), contentType: 'application/octet-stream' },
    servers: [
      { ...MANAGER, script: 'manager-echo.js' },
      { ...MGNODE, script: 'mgnode-echo.js' },
      { ...NODE, script: 'node-echo.js' },
    ],
  },
  {
    n: 9,
    id: 'close',
    title: 'hello world, new connection per request',
    request: { method: 'GET', path: '/', headers: { Connection: 'close' } },
    expect: { body: HELLO, contentType: 'text/plain', closes: true },
    servers: [
      { ...MANAGER, script: 'manager-hello.js' },
      { ...MGNODE, script: 'mgnode-hello.js' },
      { ...NODE, script: 'node-hello.js' },
      C,
    ],
  },
  {
    n: 10,
    id: 'workers',
    title: 'Express 5 on two cores',
    request: { method: 'GET', path: USER_PATH },
    expect: { body: USER_JSON, contentType: 'application/json; charset=utf-8' },
    servers: [
      { id: 'mgnode-workers2', label: 'mgnode workers: 2', kind: 'mgnode', script: 'express-mgnode-workers.js', target: 2.5 },
      { ...NODE, label: 'node:http (1 process)', script: 'express-node.js' },
      { id: 'node-cluster2', label: 'node:cluster ×2 (peer)', kind: 'peer', script: 'express-node-cluster.js' },
    ],
  },
  {
    n: 11,
    id: 'idle',
    title: 'hello world beside 5,000 idle keep-alive connections',
    request: { method: 'GET', path: '/' },
    expect: { body: HELLO, contentType: 'text/plain' },
    // Opened by the runner before the rounds; the servers keep them past the rounds.
    idleConnections: 5000,
    serverEnv: { BENCH_KEEP_ALIVE_MS: '600000' },
    servers: [
      { ...MANAGER, script: 'manager-hello.js' },
      { ...NODE, script: 'node-hello.js' },
      C,
    ],
  },
  {
    n: 12,
    id: 'tls-close',
    title: 'HTTPS hello world, a new TLS connection per request (P-256)',
    // The runner makes a self-signed certificate of this key type for each scenario.
    tls: 'p256',
    request: { method: 'GET', path: '/', headers: { Connection: 'close' } },
    expect: { body: HELLO, contentType: 'text/plain', closes: true },
    servers: [
      { ...MANAGER_TLS, target: 1.0 },
      { ...MGNODE_TLS, target: 1.0 },
      NODE_HTTPS,
    ],
  },
  {
    n: 13,
    id: 'tls',
    title: 'HTTPS hello world, keep-alive (P-256)',
    tls: 'p256',
    request: { method: 'GET', path: '/' },
    expect: { body: HELLO, contentType: 'text/plain' },
    servers: [
      { ...MANAGER_TLS, target: 1.3 },
      { ...MGNODE_TLS, target: 1.3 },
      NODE_HTTPS,
    ],
  },
  {
    n: 14,
    id: 'tls-flood',
    title: 'plain HTTP hello world while the same process takes a TLS handshake flood (P-256)',
    tls: 'p256',
    // During every measured run a second wrk makes new TLS connections to the
    // server's HTTPS port (Connection: close, this many at once); the
    // figures are those of the plain HTTP load beside it. The target is p99.
    flood: { connections: 32 },
    serverEnv: { BENCH_FLOOD: '1' },
    request: { method: 'GET', path: '/' },
    expect: { body: HELLO, contentType: 'text/plain' },
    servers: [MANAGER_TLS, MGNODE_TLS, { ...NODE_HTTPS, label: 'node:http + node:https' }],
  },
]

/** In every scenario: p99 no worse than the baseline, RSS at most the baseline's plus this. */
export const RSS_ALLOWANCE = 30 * 1024 * 1024

export const BODY_PATTERN = payloads.PATTERN

/**
 * Scenario 10 for `n` workers (--workers): mgnode with `workers: n` and
 * node:cluster with n processes, told through BENCH_WORKERS. The issue's
 * throughput target is for two workers on two cores, so only n = 2 keeps it.
 */
export function withWorkers(scenario, n) {
  if (scenario.id !== 'workers' || n === 2) return scenario
  return {
    ...scenario,
    title: `Express 5 on ${n} workers`,
    serverEnv: { ...scenario.serverEnv, BENCH_WORKERS: String(n) },
    servers: scenario.servers.map((v) => {
      if (v.id === 'mgnode-workers2') return { ...v, label: `mgnode workers: ${n}`, target: undefined }
      if (v.id === 'node-cluster2') return { ...v, label: `node:cluster ×${n} (peer)` }
      return v
    }),
  }
}
