// socket.io, unchanged, on mgnode's createServer and on node:http's, with
// socket.io-client: the WebSocket transport, the long-polling fallback (and
// its upgrade to WebSocket), rooms, acknowledgements and reconnection.
import { once } from 'node:events'
import { Server as IoServer } from 'socket.io'
import { io as connectClient } from 'socket.io-client'

import { both, listen, portOf } from './helpers/both.mjs'
import { within } from './helpers/server.mjs'

/** A socket.io server on a fresh http server of `target`, answering 'echo' and joining rooms. */
async function chat(t, target) {
  const server = await listen(t, target, () => {})
  const io = new IoServer(server)
  t.teardown(() => io.close())
  io.on('connection', (socket) => {
    socket.on('echo', (msg, ack) => ack({ msg, transport: socket.conn.transport.name }))
    socket.on('join', (room, ack) => {
      socket.join(room)
      ack()
    })
    socket.on('say', (room, text) => io.to(room).emit('said', { from: socket.id, text }))
  })
  return { io, url: `http://127.0.0.1:${portOf(server)}` }
}

function client(t, url, options) {
  const socket = connectClient(url, { reconnection: false, forceNew: true, ...options })
  t.teardown(() => socket.close())
  return socket
}

const connected = (socket) => within(once(socket, 'connect'), 5000, 'the client never connected')

both('socket.io over WebSocket: acknowledgements, and a room reaches its members only', async (t, target) => {
  const { url } = await chat(t, target)
  const [a, b, c] = [0, 1, 2].map(() => client(t, url, { transports: ['websocket'] }))
  await Promise.all([a, b, c].map(connected))
  const reply = await a.timeout(5000).emitWithAck('echo', { n: 1, text: 'héllo' })
  t.deepEqual(reply, { msg: { n: 1, text: 'héllo' }, transport: 'websocket' })
  await a.timeout(5000).emitWithAck('join', 'room1')
  await b.timeout(5000).emitWithAck('join', 'room1')
  const heard = []
  for (const [name, s] of [['a', a], ['b', b], ['c', c]]) s.on('said', (m) => heard.push(`${name}:${m.text}`))
  const bHeard = once(b, 'said')
  a.emit('say', 'room1', 'to the room')
  await within(bHeard, 5000, 'the room message never came')
  // c is not in the room; anything for it would have come with the others.
  await a.timeout(5000).emitWithAck('echo', 'sync')
  t.deepEqual(heard.sort(), ['a:to the room', 'b:to the room'])
})

both('socket.io long-polling only: messages go over HTTP requests (GET and POST bodies)', async (t, target) => {
  const { url } = await chat(t, target)
  const socket = client(t, url, { transports: ['polling'] })
  await connected(socket)
  const big = 'x'.repeat(300_000)
  const reply = await socket.timeout(5000).emitWithAck('echo', big)
  t.is(reply.transport, 'polling')
  t.is(reply.msg.length, big.length)
})

both('socket.io starts on polling and upgrades to WebSocket', async (t, target) => {
  const { url } = await chat(t, target)
  const socket = client(t, url, { transports: ['polling', 'websocket'] })
  await connected(socket)
  const engine = socket.io.engine
  if (engine.transport.name !== 'websocket') await within(once(engine, 'upgrade'), 5000, 'no upgrade to WebSocket')
  const reply = await socket.timeout(5000).emitWithAck('echo', 'after upgrade')
  t.is(reply.transport, 'websocket')
})

both('socket.io reconnects after its transport is cut, and works again', async (t, target) => {
  const { io, url } = await chat(t, target)
  const socket = client(t, url, { transports: ['websocket'], reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 100 })
  await connected(socket)
  const firstId = socket.id
  const reasons = []
  socket.on('disconnect', (reason) => reasons.push(reason))
  // The server cuts the underlying connection, as a network failure would.
  for (const s of io.of('/').sockets.values()) s.conn.close()
  await within(once(socket, 'connect'), 5000, 'the client never reconnected')
  t.deepEqual(reasons, ['transport close'])
  t.not(socket.id, firstId)
  t.is((await socket.timeout(5000).emitWithAck('echo', 'again')).msg, 'again')
})
