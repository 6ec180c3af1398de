// Gateways on mgnode (and, for comparison, on node:http) proxying HTTP and
// WebSocket traffic to a backend: http-proxy-middleware in an Express app,
// and http-proxy on a plain listener. The backend is a node:http server.
import crypto from 'node:crypto'
import { once } from 'node:events'
import http from 'node:http'
import express from 'express'
import httpProxy from 'http-proxy'
import { createProxyMiddleware } from 'http-proxy-middleware'
import WebSocket, { WebSocketServer } from 'ws'

import { both, listen, portOf } from './helpers/both.mjs'
import { request } from './helpers/http-client.mjs'
import { within } from './helpers/server.mjs'

/** A node:http backend: /api echoes method, url and a body digest; WebSockets echo with a prefix. */
async function backend(t) {
  const server = http.createServer((req, res) => {
    const hash = crypto.createHash('sha256')
    let size = 0
    req.on('data', (d) => {
      size += d.length
      hash.update(d)
    })
    req.on('end', () => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ method: req.method, url: req.url, size, sha256: hash.digest('hex'), via: req.headers['x-gateway'] ?? null }))
    })
  })
  const wss = new WebSocketServer({ server })
  wss.on('connection', (ws, req) => ws.on('message', (d) => ws.send(`backend${req.url}:${d}`)))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    for (const ws of wss.clients) ws.terminate()
    server.closeAllConnections()
    server.close()
  })
  return `http://127.0.0.1:${server.address().port}`
}

async function wsRoundTrip(t, url, text) {
  const ws = new WebSocket(url)
  t.teardown(() => ws.terminate())
  await within(once(ws, 'open'), 5000, `${url} did not open through the gateway`)
  const reply = once(ws, 'message')
  ws.send(text)
  const [data] = await within(reply, 5000, 'no reply through the gateway')
  return String(data)
}

async function checkHttp(t, port, prefix) {
  const got = await request(port, { path: `${prefix}/items?x=1` })
  t.is(got.status, 200)
  t.like(JSON.parse(got.body), { method: 'GET', url: `${prefix}/items?x=1`, size: 0 })
  // A body larger than the engine hands over whole streams through the proxy.
  const body = crypto.randomBytes(3 * 1024 * 1024)
  const posted = await request(port, { path: `${prefix}/upload`, method: 'POST', headers: { 'content-length': body.length }, body })
  t.like(JSON.parse(posted.body), { method: 'POST', size: body.length, sha256: crypto.createHash('sha256').update(body).digest('hex') })
}

both('http-proxy-middleware in Express proxies HTTP (a 3 MiB upload included) and WebSocket upgrades to the backend', async (t, target) => {
  const upstream = await backend(t)
  const proxy = createProxyMiddleware({
    target: upstream,
    ws: true,
    pathFilter: '/api',
    on: { proxyReq: (proxyReq) => proxyReq.setHeader('x-gateway', 'hpm') },
  })
  const app = express()
  app.use(proxy)
  app.get('/local', (req, res) => res.send('served by the gateway'))
  const server = await listen(t, target, app)
  server.on('upgrade', proxy.upgrade)
  const port = portOf(server)
  t.is((await request(port, { path: '/local' })).body.toString(), 'served by the gateway')
  await checkHttp(t, port, '/api')
  t.is(JSON.parse((await request(port, { path: '/api/who' })).body).via, 'hpm')
  t.is(await wsRoundTrip(t, `ws://127.0.0.1:${port}/api/socket`, 'ping'), 'backend/api/socket:ping')
})

both('http-proxy on a plain listener: web() for requests, ws() for upgrades', async (t, target) => {
  const upstream = await backend(t)
  const proxy = httpProxy.createProxyServer({ target: upstream, ws: true })
  proxy.on('error', (err, req, res) => {
    if (res.writeHead) res.writeHead(502).end(String(err))
    else res.destroy()
  })
  t.teardown(() => proxy.close())
  const server = await listen(t, target, (req, res) => proxy.web(req, res))
  server.on('upgrade', (req, socket, head) => proxy.ws(req, socket, head))
  const port = portOf(server)
  await checkHttp(t, port, '')
  t.is(await wsRoundTrip(t, `ws://127.0.0.1:${port}/chat`, 'hello'), 'backend/chat:hello')
})
