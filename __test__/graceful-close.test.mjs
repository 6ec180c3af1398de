// A graceful close with a keep-alive client whose request is in flight: the
// connection closes after that response, so the response must say
// `Connection: close`, or the client's next request on it is lost. node:http's
// own `server.close()` does not close such a connection: it keeps serving it
// as a keep-alive connection, and mgnode's `createServer()` does the same.
import test from 'ava'
import { fileURLToPath } from 'node:url'

import { Server } from '../dist/index.js'
import { both, listen, portOf } from './helpers/both.mjs'
import { RawClient, requestHead } from './helpers/raw.mjs'
import { deferred, sleep, startServer, within } from './helpers/server.mjs'

const fixture = (name) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

/** A keep-alive connection that has had one answered request, so it is known to be kept alive. */
async function keepAliveClient(t, port) {
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/'))
  const first = await client.readResponse()
  t.is(first.status, 200)
  t.not(first.header('connection'), 'close')
  return client
}

/** Reads the in-flight response, which must close the connection, and checks that it does. */
async function expectClosingResponse(t, client, body) {
  const res = await client.readResponse()
  t.is(res.status, 200)
  if (body !== undefined) t.regex(res.body.toString(), body)
  t.is(res.header('connection'), 'close')
  t.is(res.header('keep-alive'), undefined)
  t.true(await client.waitForClose(3000), 'the connection stayed open after a Connection: close response')
}

test('Manager.close(): a response sent after close began says Connection: close; so does a streamed one', async (t) => {
  const arrived = { send: deferred(), stream: deferred() }
  const release = deferred()
  const { mgr, port } = await startServer(t, async (req, reply) => {
    if (req.url === '/') return reply.send(200, {}, 'fast')
    arrived[req.url.slice(1)].resolve()
    await release.promise
    if (req.url === '/send') return reply.send(200, { 'content-type': 'text/plain' }, 'late')
    reply.writeHead(200, { 'content-type': 'text/plain' })
    reply.write('streamed ')
    reply.end('late')
  })
  const sender = await keepAliveClient(t, port)
  const streamer = await keepAliveClient(t, port)
  await sender.write(requestHead('GET', '/send'))
  await streamer.write(requestHead('GET', '/stream'))
  await Promise.all([arrived.send.promise, arrived.stream.promise])
  const closed = mgr.close()
  release.resolve()
  await expectClosingResponse(t, sender, /^late$/)
  await expectClosingResponse(t, streamer, /^streamed late$/)
  await within(closed, 5000, 'close()')
})

test('Server.close() on the main thread (a request listener): the in-flight response says Connection: close', async (t) => {
  const arrived = deferred()
  const release = deferred()
  const server = new Server(async (req, res) => {
    if (req.url === '/slow') {
      arrived.resolve()
      await release.promise
    }
    res.end(`done ${req.url}`)
  })
  t.teardown(() => server.close())
  const { localAddr } = await server.listen('http://127.0.0.1:0')
  const client = await keepAliveClient(t, localAddr[1])
  await client.write(requestHead('GET', '/slow'))
  await arrived.promise
  const closed = server.close()
  release.resolve()
  await expectClosingResponse(t, client, /^done \/slow$/)
  await within(closed, 5000, 'close()')
})

for (const [app, kind] of [
  ['thread-app.cjs', 'a request listener'],
  ['slow-fetch-app.mjs', 'a fetch app'],
]) {
  test(`Server.close() with workers: 2 (${kind}): the in-flight response says Connection: close`, async (t) => {
    const server = new Server(fixture(app), { workers: 2 })
    t.teardown(() => server.close())
    const { localAddr } = await server.listen('http://127.0.0.1:0')
    const client = await keepAliveClient(t, localAddr[1])
    // Answered after 400 ms; close() begins while it is in flight.
    await client.write(requestHead('GET', '/slower'))
    await sleep(150)
    const closed = server.close()
    await expectClosingResponse(t, client)
    await within(closed, 5000, 'close()')
  })
}

both('server.close() with a keep-alive request in flight: the response keeps the connection alive and its next request is served, as node:http does', async (t, target) => {
  const arrived = deferred()
  const release = deferred()
  const server = await listen(t, target, async (req, res) => {
    if (req.url === '/slow') {
      arrived.resolve()
      await release.promise
    }
    res.end(`done ${req.url}`)
  })
  const client = await keepAliveClient(t, portOf(server))
  await client.write(requestHead('GET', '/slow'))
  await arrived.promise
  let closed = false
  server.close(() => (closed = true))
  release.resolve()
  const res = await client.readResponse()
  t.is(res.body.toString(), 'done /slow')
  t.is(res.header('connection'), 'keep-alive')
  await client.write(requestHead('GET', '/next'))
  const next = await client.readResponse()
  t.is(next.body.toString(), 'done /next')
  t.false(closed, "'close' came while a connection was still open")
  // Once the client lets go of it, the server is closed.
  client.destroy()
  await within(
    (async () => {
      while (!closed) await sleep(10)
    })(),
    5000,
    "the close callback",
  )
  t.false(server.listening)
})
