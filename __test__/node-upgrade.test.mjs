// 'upgrade' and 'connect' as node:http has them, each test run on mgnode's
// createServer and on node:http's: ws (with a server and with noServer +
// handleUpgrade), the raw socket's half-close, backpressure both ways,
// CONNECT tunnels, requests nothing takes, TLS, and an app under the preload.
import test from 'ava'
import crypto from 'node:crypto'
import { once } from 'node:events'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import WebSocket, { WebSocketServer } from 'ws'

import { createServer } from '../dist/index.js'
import { both, listen, portOf } from './helpers/both.mjs'
import { startChild } from './helpers/child.mjs'
import { RawClient, requestHead } from './helpers/raw.mjs'
import { makeCert, root, sleep, within } from './helpers/server.mjs'

/** Opens a ws client; closed on teardown. */
async function connect(t, url, options) {
  const ws = new WebSocket(url, options)
  t.teardown(() => ws.terminate())
  await within(once(ws, 'open'), 5000, `${url} did not open`)
  return ws
}

/** Sends `data` and waits for the next message. */
async function roundTrip(ws, data) {
  const reply = once(ws, 'message')
  ws.send(data)
  const [message, isBinary] = await within(reply, 5000, 'no echo came back')
  return { message, isBinary }
}

both("ws: new WebSocketServer({ server }) echoes text and binary messages, large ones too, and closes with the peer's code", async (t, target) => {
  const server = await listen(t, target, (req, res) => res.end('plain http'))
  const wss = new WebSocketServer({ server })
  t.teardown(() => wss.close())
  const seen = []
  wss.on('connection', (ws, req) => {
    seen.push({ url: req.url, upgrade: req.headers.upgrade, remote: req.socket.remoteAddress })
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }))
  })
  const ws = await connect(t, `ws://127.0.0.1:${portOf(server)}/chat?room=1`)
  const text = await roundTrip(ws, 'hello ✓')
  t.is(String(text.message), 'hello ✓')
  t.false(text.isBinary)
  const big = crypto.randomBytes(3 * 1024 * 1024 + 7)
  const binary = await roundTrip(ws, big)
  t.true(binary.isBinary)
  t.true(Buffer.compare(binary.message, big) === 0, 'the 3 MiB binary message came back intact')
  t.deepEqual(seen, [{ url: '/chat?room=1', upgrade: 'websocket', remote: '127.0.0.1' }])
  // Plain HTTP still works on the same port.
  t.is(await (await fetch(`http://127.0.0.1:${portOf(server)}/`)).text(), 'plain http')
  const closed = new Promise((resolve) => wss.clients.values().next().value.once('close', (code, reason) => resolve([code, String(reason)])))
  ws.close(4001, 'bye')
  t.deepEqual(await within(closed, 5000, 'the server side never closed'), [4001, 'bye'])
})

both('ws: noServer + handleUpgrade routes by path; an unknown path is refused with the socket destroyed', async (t, target) => {
  const server = await listen(t, target, (req, res) => res.end())
  const a = new WebSocketServer({ noServer: true })
  const b = new WebSocketServer({ noServer: true })
  a.on('connection', (ws) => ws.on('message', (d) => ws.send(`a:${d}`)))
  b.on('connection', (ws) => ws.on('message', (d) => ws.send(`b:${d}`)))
  server.on('upgrade', (req, socket, head) => {
    const wss = req.url === '/a' ? a : req.url === '/b' ? b : null
    if (wss === null) {
      socket.write('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      socket.destroy()
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  })
  const port = portOf(server)
  t.is(String((await roundTrip(await connect(t, `ws://127.0.0.1:${port}/a`), 'x')).message), 'a:x')
  t.is(String((await roundTrip(await connect(t, `ws://127.0.0.1:${port}/b`), 'y')).message), 'b:y')
  const refused = new WebSocket(`ws://127.0.0.1:${port}/nope`)
  refused.on('error', () => {})
  const [, res] = await within(once(refused, 'unexpected-response'), 5000, 'no answer for an unknown path')
  t.is(res.statusCode, 404)
  refused.terminate()
})

both('an upgrade request nothing listens for is an ordinary request, and the connection serves the next one', async (t, target) => {
  const server = await listen(t, target, (req, res) => {
    res.statusCode = req.headers.upgrade ? 426 : 200
    res.end(`${req.url} upgrade=${req.upgrade}`)
  })
  const client = await RawClient.connect(portOf(server))
  t.teardown(() => client.destroy())
  await client.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n')
  const refused = await client.readResponse()
  t.is(refused.status, 426)
  t.is(refused.body.toString(), '/ws upgrade=false')
  await client.write(requestHead('GET', '/next'))
  t.is((await client.readResponse()).body.toString(), '/next upgrade=false')
})

both("the upgraded socket is half-open as node:http's: the peer's FIN is 'end', and the app may still answer", async (t, target) => {
  const server = await listen(t, target, () => {})
  const events = []
  server.on('upgrade', (req, socket, head) => {
    events.push(`head:${head}`)
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: raw\r\n\r\n')
    socket.on('data', (d) => events.push(`data:${d}`))
    socket.on('end', () => {
      events.push(`end writable=${socket.writable}`)
      setTimeout(() => socket.end('bye'), 20)
    })
    socket.on('close', () => events.push('close'))
  })
  const client = net.connect({ port: portOf(server), host: '127.0.0.1', allowHalfOpen: true })
  t.teardown(() => client.destroy())
  let text = ''
  client.on('data', (d) => (text += d))
  await once(client, 'connect')
  client.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: raw\r\n\r\nearly')
  await within(
    new Promise((r) => {
      const check = () => (text.includes('\r\n\r\n') ? r() : client.once('data', check))
      check()
    }),
    5000,
    'no 101',
  )
  client.end('last')
  await within(once(client, 'end'), 5000, "the server's FIN never came")
  await sleep(50)
  t.true(text.endsWith('\r\n\r\nbye'))
  t.deepEqual(events, ['head:early', 'data:last', 'end writable=true', 'close'])
})

both('backpressure on the upgraded socket: write() says wait for a reader that does not read, pause() stops the reading', async (t, target) => {
  const server = await listen(t, target, () => {})
  const total = 8 * 1024 * 1024
  const result = new Promise((resolve) => {
    server.on('upgrade', (req, socket, head) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: raw\r\n\r\n')
      // Writing: until write() says to wait.
      const chunk = Buffer.alloc(64 * 1024, 7)
      let written = 0
      let refusedAt = -1
      const pump = () => {
        while (written < total) {
          written += chunk.length
          if (!socket.write(chunk)) {
            if (refusedAt < 0) refusedAt = written
            socket.once('drain', pump)
            return
          }
        }
        socket.end()
      }
      pump()
      // Reading: paused, so the peer's bytes stay (mostly) unread.
      socket.pause()
      let read = head.length
      socket.on('data', (d) => (read += d.length))
      setTimeout(() => {
        const whilePaused = socket.bytesRead
        socket.resume()
        socket.on('end', () => resolve({ refusedAt, whilePaused, read }))
      }, 300)
    })
  })
  const client = net.connect(portOf(server), '127.0.0.1')
  t.teardown(() => client.destroy())
  await once(client, 'connect')
  client.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: raw\r\n\r\n')
  // The client sends 16 MiB while the server is paused, and reads nothing for 300 ms.
  const upload = Buffer.alloc(16 * 1024 * 1024, 1)
  client.end(upload)
  client.pause()
  await sleep(300)
  let received = 0
  client.on('data', (d) => (received += d.length))
  client.resume()
  await within(once(client, 'end'), 10_000, 'the download never ended')
  const { refusedAt, whilePaused, read } = await within(result, 10_000, 'the upload never ended')
  t.true(refusedAt > 0 && refusedAt < total, `write() never returned false (refused at ${refusedAt})`)
  t.true(whilePaused < 4 * 1024 * 1024, `the server read ${whilePaused} bytes while paused`)
  t.is(read, upload.length)
  t.true(received >= total, `received ${received}`)
})

both("CONNECT: 'connect' gets the socket and head, and a tunnel carries bytes both ways; without a listener the socket is destroyed", async (t, target) => {
  const echo = net.createServer((s) => s.pipe(s))
  echo.listen(0, '127.0.0.1')
  await once(echo, 'listening')
  t.teardown(() => echo.close())
  const server = await listen(t, target, () => {})
  const port = portOf(server)
  // Without a 'connect' listener first.
  const lonely = net.connect(port, '127.0.0.1')
  let lonelyText = ''
  lonely.on('data', (d) => (lonelyText += d))
  lonely.on('error', () => {})
  lonely.write(`CONNECT 127.0.0.1:${echo.address().port} HTTP/1.1\r\nHost: x\r\n\r\n`)
  await within(once(lonely, 'close'), 5000, 'a CONNECT nothing took stayed open')
  t.is(lonelyText, '')

  server.on('connect', (req, socket, head) => {
    const [host, p] = req.url.split(':')
    const upstream = net.connect(Number(p), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(socket)
      socket.pipe(upstream)
    })
  })
  await sleep(10)
  const client = net.connect(port, '127.0.0.1')
  t.teardown(() => client.destroy())
  let text = ''
  client.on('data', (d) => (text += d))
  client.write(`CONNECT 127.0.0.1:${echo.address().port} HTTP/1.1\r\nHost: x\r\n\r\nfirst;`)
  await sleep(100)
  client.end('second')
  await within(once(client, 'end'), 5000, 'the tunnel never ended')
  t.is(text, 'HTTP/1.1 200 Connection Established\r\n\r\nfirst;second')
})

test('ws over TLS: wss:// on createServer({ cert, key }), the upgrade request socket is encrypted', async (t) => {
  const { cert, key } = makeCert('ec')
  const server = createServer({ cert, key })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  const wss = new WebSocketServer({ server })
  let encrypted
  wss.on('connection', (ws, req) => {
    encrypted = req.socket.encrypted
    ws.on('message', (d) => ws.send(`tls:${d}`))
  })
  const ws = await connect(t, `wss://localhost:${portOf(server)}/`, { ca: cert })
  t.is(String((await roundTrip(ws, 'hi')).message), 'tls:hi')
  t.true(encrypted)
})

test('under the preload, an unmodified Express + ws app serves HTTP and both WebSocket endpoints on one port, and stops on SIGTERM', async (t) => {
  const app = await startChild(t, ['-r', path.join(root, 'register.js'), fileURLToPath(new URL('./fixtures/ws-app.cjs', import.meta.url))], {
    ready: /^(\{.*\})$/m,
  })
  const info = JSON.parse(app.match[1])
  t.is(info.server, 'MgnodeServer')
  const health = await (await fetch(`http://127.0.0.1:${info.port}/health`)).json()
  t.deepEqual(health, { ok: true, socket: 'EngineSocket' })
  const echo = await connect(t, `ws://127.0.0.1:${info.port}/echo`)
  t.is(String((await roundTrip(echo, 'ping')).message), 'ping')
  const upper = await connect(t, `ws://127.0.0.1:${info.port}/upper`)
  t.is(String((await roundTrip(upper, 'shout')).message), 'SHOUT')
  app.child.kill('SIGTERM')
  const { code } = await within(app.exited, 10_000, 'the app did not stop')
  t.is(code, 0)
})
