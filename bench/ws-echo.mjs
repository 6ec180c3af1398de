// WebSocket message throughput of a ws echo server on mgnode (through the
// preload) and on node:http, in the same run, on loopback, bounded in time:
//
//   node bench/ws-echo.mjs [--seconds 5] [--rounds 3] [--connections 8] [--window 32] [--size 64]
//
// Each round starts both servers in processes of their own, one after the
// other (alternating which goes first), and counts the echoes that
// `connections` clients get in `seconds`, each keeping `window` messages of
// `size` bytes in flight. Prints messages per second for each and their ratio.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const seconds = arg('seconds', 5)
const rounds = arg('rounds', 3)
const connections = arg('connections', 8)
const windowSize = arg('window', 32)
const size = arg('size', 64)

const SERVER = `
const http = require('node:http')
const { WebSocketServer } = require('ws')
const server = http.createServer()
new WebSocketServer({ server, perMessageDeflate: false }).on('connection', (ws) => ws.on('message', (d, b) => ws.send(d, { binary: b })))
server.listen(0, '127.0.0.1', () => console.log(server.address().port))
`

async function startServer(preload) {
  const args = [...(preload ? ['-r', path.join(root, 'register.js')] : []), '-e', SERVER]
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
  const [line] = await once(child.stdout, 'data')
  return { child, port: Number(String(line).trim()) }
}

async function measure(port) {
  const payload = Buffer.alloc(size, 'm')
  const sockets = await Promise.all(
    Array.from({ length: connections }, async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false })
      await once(ws, 'open')
      return ws
    }),
  )
  let count = 0
  let running = true
  for (const ws of sockets) {
    ws.on('message', () => {
      count++
      if (running) ws.send(payload)
    })
    for (let i = 0; i < windowSize; i++) ws.send(payload)
  }
  // A short warm-up, then the counted interval.
  await new Promise((r) => setTimeout(r, 500))
  const start = count
  const t0 = performance.now()
  await new Promise((r) => setTimeout(r, seconds * 1000))
  const rate = ((count - start) * 1000) / (performance.now() - t0)
  running = false
  for (const ws of sockets) ws.terminate()
  return rate
}

const results = { mgnode: [], 'node:http': [] }
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? ['mgnode', 'node:http'] : ['node:http', 'mgnode']
  for (const name of order) {
    const { child, port } = await startServer(name === 'mgnode')
    results[name].push(await measure(port))
    child.kill('SIGKILL')
    await once(child, 'exit')
  }
  console.log(`round ${round + 1}: mgnode ${Math.round(results.mgnode.at(-1))} msg/s, node:http ${Math.round(results['node:http'].at(-1))} msg/s`)
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const mg = median(results.mgnode)
const node = median(results['node:http'])
console.log(`median of ${rounds}: mgnode ${Math.round(mg)} msg/s, node:http ${Math.round(node)} msg/s, ratio ${(mg / node).toFixed(2)} (${connections} connections, window ${windowSize}, ${size} B messages, ${seconds} s)`)
