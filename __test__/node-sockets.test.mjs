// One socket per connection, as on node:http: the requests of a keep-alive
// connection share req.socket, it emits 'close' when the connection closes
// (between requests too), and 'connection' hands it out first.
import test from 'ava'
import { once } from 'node:events'
import express from 'express'
import Koa from 'koa'

import { Server } from '../dist/index.js'
import { RawClient, requestHead } from './helpers/raw.mjs'
import { deferred, within } from './helpers/server.mjs'
import { both, listen, portOf } from './helpers/both.mjs'

/** Answers with how many requests the socket has carried, counted on the socket itself. */
function countingListener(sockets) {
  return (req, res) => {
    req.socket.served = (req.socket.served ?? 0) + 1
    if (!sockets.includes(req.socket)) sockets.push(req.socket)
    res.end(`${req.socket.served} ${req.socket === res.socket}`)
  }
}

both('the requests of a keep-alive connection share one req.socket, and what is kept on it stays', async (t, target) => {
  const sockets = []
  const server = await listen(t, target, countingListener(sockets))
  const first = await RawClient.connect(portOf(server))
  t.teardown(() => first.destroy())
  const bodies = []
  for (let i = 0; i < 3; i++) {
    await first.write(requestHead('GET', `/${i}`))
    bodies.push((await first.readResponse()).body.toString())
  }
  t.deepEqual(bodies, ['1 true', '2 true', '3 true'])

  // Another connection has its own socket (pipelined: on node:http res.socket
  // is still null while a response waits its turn, so only the count is compared).
  const second = await RawClient.connect(portOf(server))
  t.teardown(() => second.destroy())
  await second.write(requestHead('GET', '/') + requestHead('GET', '/'))
  const rs = await second.readResponses(2)
  t.deepEqual(rs.map((r) => r.body.toString().split(' ')[0]), ['1', '2'])
  t.is(sockets.length, 2)
})

both("req.socket emits 'close' when the client leaves between requests, and 'connection' gave it out first", async (t, target) => {
  const sockets = []
  const connections = []
  const server = await listen(t, target, countingListener(sockets))
  server.on('connection', (socket) => connections.push(socket))
  const client = await RawClient.connect(portOf(server))
  await client.write(requestHead('GET', '/'))
  t.is((await client.readResponse()).body.toString(), '1 true')
  t.is(sockets.length, 1)
  t.is(connections.length, 1)
  t.is(connections[0], sockets[0])

  const closed = once(sockets[0], 'close')
  client.destroy()
  const [hadError] = await within(closed, 3000, "req.socket did not emit 'close' after the client left")
  t.false(hadError)
  t.true(sockets[0].destroyed)
})

both('getConnections() counts the open connections, idle keep-alive ones included', async (t, target) => {
  const sockets = []
  const server = await listen(t, target, countingListener(sockets))
  const count = () => new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))))
  const clients = []
  for (let i = 0; i < 3; i++) {
    const client = await RawClient.connect(portOf(server))
    t.teardown(() => client.destroy())
    await client.write(requestHead('GET', '/'))
    await client.readResponse()
    clients.push(client)
  }
  t.is(await count(), 3)
  const closed = once(sockets[0], 'close')
  clients[0].destroy()
  await within(closed, 3000, "req.socket did not emit 'close' after the client left")
  t.is(await count(), 2)
})

both('req.socket.destroy() after a response closes the connection once that response has gone out', async (t, target) => {
  const body = 'x'.repeat(200_000)
  const server = await listen(t, target, (req, res) => {
    res.on('finish', () => setImmediate(() => req.socket.destroy()))
    res.end(body)
  })
  const client = await RawClient.connect(portOf(server))
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/'))
  const res = await client.readResponse()
  t.is(res.status, 200)
  t.is(res.body.length, body.length)
  await client.waitForClose(3000)
})

test("a socket closed by the keep-alive timeout emits 'close' on mgnode's Server", async (t) => {
  const seen = deferred()
  const server = new Server((req, res) => {
    seen.resolve(req.socket)
    res.end('ok')
  }, { keepAliveTimeout: 200 })
  const { localAddr } = await server.listen('http://127.0.0.1:0')
  t.teardown(() => server.close())
  const client = await RawClient.connect(localAddr[1])
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/'))
  await client.readResponse()
  const socket = await seen.promise
  await within(once(socket, 'close'), 3000, "the idle socket did not emit 'close' when the server closed it")
  await client.waitForClose(3000)
  t.true(socket.destroyed)
})

both("listeners on the shared socket do not pile up over a keep-alive connection's requests (Express, Koa)", async (t, target) => {
  const app = express()
  app.get('/', (req, res) => res.json({ close: req.socket.listenerCount('close'), error: req.socket.listenerCount('error') }))
  const koa = new Koa()
  koa.use((ctx) => {
    ctx.body = { close: ctx.req.socket.listenerCount('close'), error: ctx.req.socket.listenerCount('error') }
  })
  for (const handler of [app, koa.callback()]) {
    const server = await listen(t, target, handler)
    const client = await RawClient.connect(portOf(server))
    t.teardown(() => client.destroy())
    const counts = []
    for (let i = 0; i < 25; i++) {
      await client.write(requestHead('GET', '/'))
      counts.push((await client.readResponse()).body.toString())
    }
    t.is(new Set(counts).size, 1, `listener counts changed: ${counts[0]} … ${counts[24]}`)
  }
})
