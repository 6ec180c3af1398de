// The limits node:http users set on a server — maxConnections,
// maxRequestsPerSocket, maxHeadersCount — on mgnode's createServer and on
// node:http's, which each case must match.
import test from 'ava'
import { once } from 'node:events'

import { Manager } from '../dist/index.js'
import { RawClient, requestHead } from './helpers/raw.mjs'
import { sleep, within } from './helpers/server.mjs'
import { both, listen, portOf } from './helpers/both.mjs'

const GET = 'GET / HTTP/1.1\r\nHost: t\r\n\r\n'

/** A keep-alive connection that has been answered once, so the server surely counts it. */
async function servedConnection(port) {
  const c = await RawClient.connect(port)
  await c.write(GET)
  const res = await c.readResponse()
  return { c, res }
}

/** Connects; true if the server answers a request on it, false if it closes it unanswered. */
async function answered(port) {
  const c = await RawClient.connect(port)
  c.socket.write(GET, () => {})
  try {
    await c.readResponse({ timeout: 3000 })
    return true
  } catch {
    return false
  } finally {
    c.destroy()
  }
}

both('maxConnections set while listening: one connection too many is closed unanswered, with a drop event', async (t, target) => {
  const server = await listen(t, target, (req, res) => res.end('ok'))
  server.maxConnections = 2
  const port = portOf(server)
  const dropped = once(server, 'drop')
  const a = await servedConnection(port)
  const b = await servedConnection(port)
  t.is(a.res.status, 200)
  t.is(b.res.status, 200)
  const third = await RawClient.connect(port)
  third.socket.write(GET, () => {})
  t.true(await third.waitForClose(3000), 'the third connection is closed')
  t.is(third.received, 0, 'and gets no response')
  const [info] = await within(dropped, 3000, 'no drop event')
  t.is(info.localPort, port)
  t.is(info.localAddress, '127.0.0.1')
  t.is(info.localFamily, 'IPv4')
  t.is(info.remoteAddress, '127.0.0.1')
  t.is(info.remoteFamily, 'IPv4')
  t.is(info.remotePort, third.localPort)
  // The open ones are still served.
  await a.c.write(GET)
  t.is((await a.c.readResponse()).status, 200)
  // Once one closes, a new connection gets in (the server learns of the close a little later).
  a.c.destroy()
  let servedAfter = false
  for (let i = 0; i < 40 && !servedAfter; i++) {
    servedAfter = await answered(port)
    if (!servedAfter) await sleep(50)
  }
  t.true(servedAfter, 'a connection is served once one of the two closed')
  b.c.destroy()
})

both('maxConnections given before listen applies from the first connection; null lifts it, 0 refuses every one', async (t, target) => {
  const server = await listen(t, target, (req, res) => res.end('ok'))
  server.maxConnections = 1
  t.is(server.maxConnections, 1)
  const port = portOf(server)
  const a = await servedConnection(port)
  t.false(await answered(port), 'a second connection is refused')
  server.maxConnections = null
  // The engine takes the change asynchronously: allow it a moment.
  const servedSoon = async () => {
    for (let i = 0; i < 20; i++) {
      if (await answered(port)) return true
      await sleep(25)
    }
    return false
  }
  t.true(await servedSoon(), 'no limit once it is null')
  a.c.destroy()
  server.maxConnections = 0
  await sleep(50)
  // Node 20 took 0 as no limit; later releases (and mgnode on every version) refuse all.
  const zeroIsNoLimit = target === 'node:http' && Number(process.versions.node.split('.')[0]) < 22
  t.is(await answered(port), zeroIsNoLimit, 'a connection while the limit is 0')
})

test('Manager.listen takes maxConnections too', async (t) => {
  const mgr = new Manager()
  t.teardown(() => mgr.close(0))
  const { localAddr } = await mgr.listen('http://127.0.0.1:0', (req, reply) => reply.send(200, {}, 'ok'), { maxConnections: 1 })
  const a = await servedConnection(localAddr[1])
  t.is(a.res.status, 200)
  t.false(await answered(localAddr[1]))
  a.c.destroy()
})

both('maxRequestsPerSocket: the last allowed response says close, one beyond gets 503 and dropRequest', async (t, target) => {
  const seen = []
  const server = await listen(t, target, (req, res) => {
    seen.push(req.url)
    res.end('ok')
  })
  server.maxRequestsPerSocket = 2
  const drops = []
  server.on('dropRequest', (req, socket) => drops.push({ url: req.url, sameSocket: socket === req.socket }))
  const c = await RawClient.connect(portOf(server))
  t.teardown(() => c.destroy())
  await c.write('GET /1 HTTP/1.1\r\nHost: t\r\n\r\n')
  const first = await c.readResponse()
  t.is(first.header('connection'), 'keep-alive')
  t.is(first.header('keep-alive'), 'timeout=5, max=2')
  await c.write('GET /2 HTTP/1.1\r\nHost: t\r\n\r\n')
  const second = await c.readResponse()
  t.is(second.status, 200)
  t.is(second.header('connection'), 'close')
  // As on node:http, the connection is not closed by the server: a client that goes on gets 503.
  await c.write('GET /3 HTTP/1.1\r\nHost: t\r\n\r\n')
  const third = await c.readResponse()
  t.is(third.status, 503)
  t.is(third.header('connection'), 'close')
  t.deepEqual(seen, ['/1', '/2'])
  t.deepEqual(drops, [{ url: '/3', sameSocket: true }])
})

both('maxRequestsPerSocket counts per connection and leaves HTTP/1.0 alone', async (t, target) => {
  let count = 0
  const server = await listen(t, target, (req, res) => {
    count++
    // With a length, an HTTP/1.0 keep-alive response can keep its connection.
    res.setHeader('content-length', 2)
    res.end('ok')
  })
  server.maxRequestsPerSocket = 1
  for (let i = 0; i < 2; i++) {
    const { c, res } = await servedConnection(portOf(server))
    t.is(res.status, 200)
    t.is(res.header('connection'), 'close')
    c.destroy()
  }
  const old = await RawClient.connect(portOf(server))
  t.teardown(() => old.destroy())
  await old.write('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n')
  const first = await old.readResponse()
  t.is(first.status, 200)
  t.is(first.header('connection'), 'keep-alive')
  await old.write('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n')
  t.is((await old.readResponse()).status, 200)
  t.is(count, 4)
})

/** A request with `n` headers x0..x(n-1) and what the app saw of it. */
async function manyHeaders(t, target, n, maxHeadersCount) {
  let seen = null
  const server = await listen(t, target, (req, res) => {
    seen = { headers: Object.keys(req.headers), raw: req.rawHeaders.length }
    res.end('ok')
  })
  if (maxHeadersCount !== undefined) server.maxHeadersCount = maxHeadersCount
  const headers = {}
  for (let i = 0; i < n; i++) headers[`x${i}`] = 'v'
  const c = await RawClient.connect(portOf(server))
  t.teardown(() => c.destroy())
  await c.write(requestHead('GET', '/', { host: 't', ...headers }))
  const res = await c.readResponse()
  return { status: res.status, seen, res }
}

/**
 * Node releases with the CVE-2026-58044 fix refuse a request over
 * maxHeadersCount with 431; older ones (Node 20) dropped the extra headers from
 * req.headers. mgnode refuses on every Node version.
 */
function refusesOverHeaderCount(target) {
  if (target === 'mgnode') return true
  const [major, minor, patch] = process.versions.node.split('.').map(Number)
  if (major > 26) return true
  const fixedIn = { 22: [23, 2], 24: [18, 1], 26: [5, 1] }[major]
  if (fixedIn === undefined) return false
  return minor > fixedIn[0] || (minor === fixedIn[0] && patch >= fixedIn[1])
}

both('maxHeadersCount: a request with more header lines gets 431 and Connection: close, and never reaches the listener', async (t, target) => {
  const { status, seen, res } = await manyHeaders(t, target, 9, 4)
  if (!refusesOverHeaderCount(target)) {
    t.deepEqual(seen.headers, ['host', 'x0', 'x1', 'x2'], 'node:http before the fix: the first ones')
    return
  }
  t.is(status, 431)
  t.is(res.header('connection'), 'close')
  t.is(seen, null)
})

both('maxHeadersCount: a request with as many header lines as allowed is served with them all', async (t, target) => {
  const { status, seen } = await manyHeaders(t, target, 3, 4)
  t.is(status, 200)
  t.deepEqual(seen.headers, ['host', 'x0', 'x1', 'x2'])
  t.is(seen.raw, 8)
})

both('by default 1000 header lines are allowed, 1001 are not', async (t, target) => {
  const fits = await manyHeaders(t, target, 999)
  t.is(fits.status, 200)
  t.is(fits.seen.headers.length, 1000)
  if (refusesOverHeaderCount(target)) t.is((await manyHeaders(t, target, 1000)).status, 431)
})

both('maxHeadersCount 0 keeps every header', async (t, target) => {
  const { status, seen } = await manyHeaders(t, target, 1200, 0)
  t.is(status, 200)
  t.is(seen.headers.length, 1201)
})
