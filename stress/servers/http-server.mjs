// A stress server in a process of its own:
//   node http-server.mjs <mgnode|node:http> '<options as JSON>'
// Serves the stress app (app.mjs) with createServer, mgnode's or node:http's
// (https when options.tls has cert and key), prints `ready <port>`, and
// answers the parent over IPC: { cmd: 'stats' } with the app's counters,
// { cmd: 'close' } by closing the server (node:http's close()).
import http from 'node:http'
import https from 'node:https'

import { makeApp, newStats } from './app.mjs'

const [target, json] = process.argv.slice(2)
const options = JSON.parse(json ?? '{}')
const stats = newStats(options.record === true)

const serverOptions = {}
for (const key of ['headersTimeout', 'requestTimeout', 'keepAliveTimeout']) {
  if (options[key] !== undefined) serverOptions[key] = options[key]
}
let server
if (target === 'node:http') {
  // node:http checks these timeouts every 30 s by default; mgnode every 100 ms. Same pace for both.
  serverOptions.connectionsCheckingInterval = 100
  const module = options.tls ? https : http
  server = module.createServer(options.tls ? { ...serverOptions, ...options.tls } : serverOptions, makeApp(stats))
} else {
  const { createServer } = await import('../../dist/index.js')
  server = createServer(options.tls ? { ...serverOptions, ...options.tls } : serverOptions, makeApp(stats))
}
if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout

// Anything that escapes is a crash the check must see: exit loudly.
process.on('uncaughtException', (err) => {
  console.error('uncaught', err)
  process.exit(70)
})
server.on('error', (err) => console.error('server error', err.code ?? err.message))

process.on('message', (msg) => {
  if (msg.cmd === 'stats') {
    const { seen, ...counters } = stats
    process.send({ type: 'stats', stats: { ...counters, seen: msg.seen ? seen : undefined } })
  } else if (msg.cmd === 'close') {
    server.close(() => process.send({ type: 'closed' }))
  }
})
// The parent going away ends this process too.
process.on('disconnect', () => process.exit(0))

server.listen(0, '127.0.0.1', () => console.log(`ready ${server.address().port}`))
