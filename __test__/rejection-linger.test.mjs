// A client still sending when its request is rejected (a body over
// maxBodySize, a head that never ends) reads the rejection: the server
// answers, ends its side, and drops what the client goes on sending, instead
// of closing at once (which resets the connection, and a reset makes the
// client's side drop the answer unread).
import test from 'ava'
import net from 'node:net'
import { once } from 'node:events'

import { startServer } from './helpers/server.mjs'

const MiB = 1024 * 1024

/**
 * Sends `head`, then `blocks` of `block` as fast as the server takes them;
 * then reads to the end. Resolves what came back, whether every write went
 * through, and whether the connection ended with an error.
 */
async function sendAndRead(port, head, block, blocks) {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true })
  await once(socket, 'connect')
  const chunks = []
  socket.on('data', (d) => chunks.push(d))
  let error = null
  socket.on('error', (err) => (error = err.code))
  const closed = new Promise((resolve) => socket.once('close', resolve))
  const write = (buf) => new Promise((resolve) => socket.write(buf, (err) => resolve(!err)))
  let allWritten = await write(head)
  for (let i = 0; i < blocks && allWritten; i++) allWritten = await write(block)
  socket.end()
  await closed
  return { reply: Buffer.concat(chunks).toString('latin1'), allWritten, error }
}

const handler = (req, reply) => reply.send(200, {}, 'ok')

test('a body over maxBodySize still being sent gets its 413, and the connection ends cleanly', async (t) => {
  const { port } = await startServer(t, handler, { maxBodySize: MiB })
  const head = `POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: ${64 * MiB}\r\n\r\n`
  const r = await sendAndRead(port, head, Buffer.alloc(64 * 1024, 'x'), 64)
  t.regex(r.reply, /^HTTP\/1\.1 413 /)
  t.true(r.allWritten, 'the server reset the connection while the client was sending')
  t.is(r.error, null)
})

test('a head that never ends gets its 431 while the client goes on sending', async (t) => {
  const { port } = await startServer(t, handler)
  const r = await sendAndRead(port, 'GET / HTTP/1.1\r\nHost: t\r\nX-Endless: ', Buffer.alloc(64 * 1024, 'a'), 64)
  t.regex(r.reply, /^HTTP\/1\.1 431 /)
  t.true(r.allWritten)
  t.is(r.error, null)
})

test('a rejected client that keeps sending is cut off once the linger time is over', async (t) => {
  const { port } = await startServer(t, handler, { maxBodySize: 1024 })
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true })
  await once(socket, 'connect')
  socket.on('error', () => {})
  let reply = ''
  socket.on('data', (d) => (reply += d))
  socket.write(`POST / HTTP/1.1\r\nHost: t\r\nContent-Length: ${MiB}\r\n\r\n`)
  // Not once(): the reset that ends it is an 'error' too.
  const closed = new Promise((resolve) => socket.once('close', resolve))
  // A byte every 100 ms: the client never finishes, the server does not wait for it forever.
  const timer = setInterval(() => socket.write('x', () => {}), 100)
  t.teardown(() => clearInterval(timer))
  const gone = await Promise.race([closed.then(() => true), new Promise((r) => setTimeout(() => r(false), 6000))])
  clearInterval(timer)
  socket.destroy()
  t.true(gone, 'the connection was still open 6 s after the rejection')
  t.regex(reply, /^HTTP\/1\.1 413 /)
})
