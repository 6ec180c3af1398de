// Upgrades on `Server`: the `onUpgrade` option, an app module's `upgrade`
// export on worker threads (each upgrade handled on the worker that took
// the request), listeners added to req.socket.server, and none at all.
import test from 'ava'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { threadId } from 'node:worker_threads'
import express from 'express'
import WebSocket, { WebSocketServer } from 'ws'

import { Server } from '../dist/index.js'
import { within } from './helpers/server.mjs'
import { ask, openWebSocket } from './helpers/websocket.mjs'

async function serve(t, app, options) {
  const server = new Server(app, options)
  t.teardown(() => server.close())
  const { localAddr } = await server.listen('http://127.0.0.1:0')
  return { server, port: localAddr[1] }
}

test('Server with onUpgrade: ws (noServer) takes the upgrades; HTTP is served beside them', async (t) => {
  const wss = new WebSocketServer({ noServer: true })
  wss.on('connection', (ws, req) => ws.on('message', (d) => ws.send(`${req.url}:${d}`)))
  const app = express()
  app.get('/', (req, res) => res.send('http'))
  const { port } = await serve(t, app, { onUpgrade: (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)) })
  t.is(await ask(await openWebSocket(t, `ws://127.0.0.1:${port}/room`), 'hi'), '/room:hi')
  t.is(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'http')
})

test('Server with workers: the module exports `upgrade`, and each WebSocket is served by a worker thread', async (t) => {
  const module = fileURLToPath(new URL('./fixtures/ws-module.cjs', import.meta.url))
  const { server, port } = await serve(t, module, { workers: 2 })
  const workerIds = server.workerThreadIds
  t.is(workerIds.length, 2)
  const replies = []
  for (let i = 0; i < 4; i++) {
    const ws = await openWebSocket(t, `ws://127.0.0.1:${port}/w${i}`)
    const first = JSON.parse(await ask(ws, `a${i}`))
    const second = JSON.parse(await ask(ws, `b${i}`))
    // One connection stays on one worker.
    t.is(first.threadId, second.threadId)
    t.deepEqual([first.url, first.echo, second.echo], [`/w${i}`, `a${i}`, `b${i}`])
    replies.push(first.threadId)
  }
  for (const id of replies) t.true(workerIds.includes(id) && id !== threadId, `answered on thread ${id}`)
  const { threadId: httpThread } = await (await fetch(`http://127.0.0.1:${port}/thread`)).json()
  t.true(workerIds.includes(httpThread))
})

test("Server: a library that subscribes to req.socket.server's 'upgrade' (as http-proxy-middleware does) takes upgrades", async (t) => {
  const wss = new WebSocketServer({ noServer: true })
  wss.on('connection', (ws) => ws.on('message', (d) => ws.send(`late:${d}`)))
  let subscribed = false
  const app = (req, res) => {
    if (!subscribed) {
      subscribed = true
      req.socket.server.on('upgrade', (r, socket, head) => wss.handleUpgrade(r, socket, head, (ws) => wss.emit('connection', ws, r)))
    }
    res.end('ok')
  }
  const { port } = await serve(t, app)
  await fetch(`http://127.0.0.1:${port}/`)
  await new Promise((r) => setTimeout(r, 20))
  t.is(await ask(await openWebSocket(t, `ws://127.0.0.1:${port}/`), 'x'), 'late:x')
})

test('Server without any upgrade listener: an upgrade request is an ordinary request', async (t) => {
  const { port } = await serve(t, (req, res) => {
    res.statusCode = 426
    res.end(`upgrade=${req.upgrade}`)
  })
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`)
  ws.on('error', () => {})
  const [, res] = await within(once(ws, 'unexpected-response'), 5000, 'no answer')
  t.is(res.statusCode, 426)
  ws.terminate()
})

test('Server: onUpgrade with workers is refused, pointing at the module export', (t) => {
  const err = t.throws(() => new Server('./app.js', { workers: 2, onUpgrade: () => {} }))
  t.is(err.code, 'ERR_MGNODE_WORKERS')
  t.regex(err.message, /export `upgrade/)
})
