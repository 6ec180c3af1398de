// A client that sends a request and then ends its side (FIN) while it waits
// for the answer, on mgnode's createServer and on node:http's.
import net from 'node:net'
import { once } from 'node:events'

import { both, listen, portOf } from './helpers/both.mjs'

/** Sends `bytes` and a FIN at once; resolves everything the server sent until it closed. */
async function sendThenFin(port, bytes) {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true })
  await once(socket, 'connect')
  let reply = ''
  socket.on('data', (d) => (reply += d))
  socket.on('error', () => {})
  const closed = new Promise((resolve) => socket.once('close', resolve))
  socket.end(bytes)
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 3000))])
  socket.destroy()
  return reply
}

both("a body followed by the client's FIN is answered when the app answers on the body's 'end'", async (t, target) => {
  const events = []
  const server = await listen(t, target, (req, res) => {
    let bytes = 0
    req.on('data', (d) => (bytes += d.length))
    req.on('aborted', () => events.push('aborted'))
    req.on('end', () => res.end(`got ${bytes}`))
  })
  const body = 'x'.repeat(10 * 1024)
  // Several rounds: the FIN often arrives in the same read as the body.
  for (let i = 0; i < 10; i++) {
    const reply = await sendThenFin(portOf(server), `POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: ${body.length}\r\n\r\n${body}`)
    t.regex(reply, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\ngot 10240$/)
  }
  t.deepEqual(events, [])
})
