// Behaviour of the (req, res) listener path (createServer / Server) against
// node:http: disconnects, backpressure, errors, bodiless responses, the
// http.Server surface, and req/res API parity.
import test from 'ava'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import { once } from 'node:events'
import { Writable } from 'node:stream'

import { createServer, MgnodeServer, Server } from '../dist/index.js'
import { IncompleteResponseError, parseResponse, RawClient, requestHead, simpleGet } from './helpers/raw.mjs'
import { deferred, makeCert, sha256, sleep, within } from './helpers/server.mjs'
import { both, factories, listen, portOf, targets } from './helpers/both.mjs'

/** The response as comparable data: status line, headers without Date, body. */
function wire(res) {
  const headers = []
  for (let i = 0; i < res.rawHeaders.length; i += 2) {
    if (res.rawHeaders[i].toLowerCase() !== 'date') headers.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`)
  }
  return { status: `${res.status} ${res.statusText}`, headers, body: res.body.toString('latin1') }
}

/** Runs console.error-reporting code with console.error captured (serial tests only). */
async function capturingErrors(fn) {
  const logged = []
  const original = console.error
  console.error = (...args) => logged.push(args)
  try {
    await fn(logged)
  } finally {
    console.error = original
  }
}

// ---- Disconnects, timeouts, backpressure -------------------------------------

both('a client that disconnects mid-stream: req and res close, the interval is cleared, the server goes on', async (t, target) => {
  const closed = deferred()
  let writes = 0
  const server = await listen(t, target, (req, res) => {
    if (req.url !== '/stream') return res.end('after')
    const events = []
    res.writeHead(200, { 'content-type': 'text/plain' })
    const timer = setInterval(() => {
      writes++
      res.write('x'.repeat(1024))
    }, 5)
    req.on('close', () => events.push('req close'))
    res.on('finish', () => events.push('res finish'))
    res.on('close', () => {
      clearInterval(timer)
      events.push('res close')
      // Let any other close/finish events land before reporting.
      setTimeout(
        () =>
          closed.resolve({
            events,
            writableFinished: res.writableFinished,
            writableEnded: res.writableEnded,
            resDestroyed: res.destroyed,
            reqDestroyed: req.destroyed,
          }),
        30,
      )
    })
  })
  const client = await RawClient.connect(portOf(server))
  await client.write(requestHead('GET', '/stream'))
  await client.waitFor(() => client.received > 8 * 1024, 5000, 'part of the stream')
  client.destroy()

  const state = await within(closed.promise, 5000, "res 'close' after the client went away")
  t.deepEqual([...state.events].sort(), ['req close', 'res close'])
  t.false(state.writableFinished)
  t.false(state.writableEnded)
  t.true(state.resDestroyed)
  t.true(state.reqDestroyed)
  // The close handler stopped the writer.
  const count = writes
  await sleep(60)
  t.is(writes, count)
  const next = await simpleGet(portOf(server), '/next')
  t.is(next.status, 200)
  t.is(next.body.toString(), 'after')
})

test('stallTimeout: a client that never reads is dropped and the response closes; others are still served', async (t) => {
  const total = 64 * 1024 * 1024
  const closed = deferred()
  let written = 0
  let drains = 0
  const server = new Server(
    (req, res) => {
      if (req.url !== '/big') return res.end('still serving')
      const chunk = Buffer.alloc(1024 * 1024, 0x61)
      res.setHeader('content-length', total)
      const pump = () => {
        while (written < total) {
          written += chunk.length
          if (!res.write(chunk)) {
            res.once('drain', () => {
              drains++
              pump()
            })
            return
          }
        }
        res.end()
      }
      res.on('close', () => closed.resolve({ writableFinished: res.writableFinished, written }))
      pump()
    },
    { stallTimeout: 1000 },
  )
  t.teardown(() => server.close())
  const { localAddr } = await server.listen('http://127.0.0.1:0')
  const port = localAddr[1]

  const stalled = net.connect(port, '127.0.0.1')
  t.teardown(() => stalled.destroy())
  stalled.pause() // never reads
  await once(stalled, 'connect')
  stalled.write(requestHead('GET', '/big'))

  const state = await within(closed.promise, 10_000, "the stalled response's 'close'")
  t.false(state.writableFinished)
  t.true(state.written < total, `the whole body was accepted (${state.written} bytes)`)
  // Reading now shows the connection was cut short.
  let received = 0
  stalled.on('data', (d) => (received += d.length))
  stalled.on('error', () => {})
  stalled.resume()
  await within(once(stalled, 'close'), 5000, 'the stalled connection to close')
  t.true(received < total, `received ${received} of ${total}`)
  t.log(`written ${state.written}, drains ${drains}, received ${received}`)

  const next = await simpleGet(port, '/')
  t.is(next.status, 200)
  t.is(next.body.toString(), 'still serving')
})

both('backpressure: res.write returns false for a slow reader, drain follows, the body arrives intact', async (t, target) => {
  const body = randomBytes(16 * 1024 * 1024)
  const sawFalse = deferred()
  const stats = { falses: 0, drains: 0 }
  const finished = deferred()
  const server = await listen(t, target, (req, res) => {
    res.setHeader('content-type', 'application/octet-stream')
    const step = 64 * 1024
    let offset = 0
    const pump = () => {
      while (offset < body.length) {
        const chunk = body.subarray(offset, offset + step)
        offset += step
        if (!res.write(chunk)) {
          stats.falses++
          sawFalse.resolve()
          res.once('drain', () => {
            stats.drains++
            pump()
          })
          return
        }
      }
      res.end()
    }
    res.on('finish', finished.resolve)
    pump()
  })
  // A slow reader: connected, request sent, nothing read until the server had to wait.
  const socket = net.connect(portOf(server), '127.0.0.1')
  t.teardown(() => socket.destroy())
  socket.pause()
  await once(socket, 'connect')
  socket.write(requestHead('GET', '/'))
  await within(sawFalse.promise, 10_000, 'res.write() returning false')
  // Collect without re-concatenating on every chunk; the chunked body ends with 0\r\n\r\n.
  const chunks = []
  let tail = Buffer.alloc(0)
  const received = new Promise((resolve, reject) => {
    socket.on('data', (d) => {
      chunks.push(d)
      tail = Buffer.concat([tail, d]).subarray(-5)
      if (tail.toString('latin1') === '0\r\n\r\n') resolve()
    })
    socket.on('close', () => reject(new Error('connection closed before the end of the body')))
  })
  socket.resume()
  await within(received, 30_000, 'the whole response')
  const parsed = parseResponse(Buffer.concat(chunks))
  t.truthy(parsed, 'an incomplete response')
  const { res } = parsed
  t.is(res.status, 200)
  t.true(res.chunked)
  t.is(res.body.length, body.length)
  t.is(sha256(res.body), sha256(body))
  t.true(stats.falses >= 1)
  // Every false was followed by a 'drain' (the pump only resumes on one).
  t.is(stats.drains, stats.falses)
  await within(finished.promise, 5000, "res 'finish'")
})

// ---- Listener errors (mgnode answers where node:http would crash) -------------

/** Serves `listener` through `Server` (as `serve()` does) or `createServer` (the 'request' event). Returns the port. */
async function serveVia(t, via, listener) {
  if (via === 'createServer') return portOf(await listen(t, 'mgnode', listener))
  const server = new Server(listener)
  t.teardown(() => server.close())
  return (await server.listen('http://127.0.0.1:0')).localAddr[1]
}

for (const via of ['Server', 'createServer']) {
  test.serial(`a listener that throws synchronously answers 500; the error is logged; a new connection is served [${via}]`, async (t) => {
    await capturingErrors(async (logged) => {
      const port = await serveVia(t, via, (req, res) => {
        if (req.url === '/throw') {
          res.setHeader('x-before-throw', 'dropped')
          throw new Error('sync listener failure')
        }
        res.end('healthy')
      })
      const res = await simpleGet(port, '/throw')
      t.is(res.status, 500)
      t.is(res.body.toString(), 'Internal Server Error')
      t.is(res.header('x-before-throw'), undefined)
      t.is(res.header('content-type'), 'text/plain; charset=utf-8')
      t.is(logged.length, 1)
      t.is(logged[0][0].message, 'sync listener failure')
      const ok = await simpleGet(port, '/')
      t.is(ok.status, 200)
      t.is(ok.body.toString(), 'healthy')
    })
  })

  test.serial(`a listener whose promise rejects answers 500; keep-alive goes on on the same connection [${via}]`, async (t) => {
    await capturingErrors(async (logged) => {
      const port = await serveVia(t, via, async (req, res) => {
        res.setHeader('x-before-reject', 'dropped')
        await sleep(5)
        if (req.url === '/reject') throw new Error('async listener failure')
        res.end('healthy')
      })
      const client = await RawClient.connect(port)
      t.teardown(() => client.destroy())
      await client.write(requestHead('GET', '/reject') + requestHead('GET', '/'))
      const [failed, ok] = await client.readResponses(2)
      t.is(failed.status, 500)
      t.is(failed.body.toString(), 'Internal Server Error')
      t.is(failed.header('x-before-reject'), undefined)
      t.is(ok.status, 200)
      t.is(ok.body.toString(), 'healthy')
      t.is(logged.length, 1)
      t.is(logged[0][0].message, 'async listener failure')
    })
  })

  test.serial(`a throw or rejection after the headers were sent aborts the connection instead of a 500 [${via}]`, async (t) => {
    await capturingErrors(async (logged) => {
      const port = await serveVia(t, via, (req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.write('partial ')
        if (req.url === '/sync') throw new Error('late sync failure')
        return (async () => {
          await sleep(20)
          res.write('more ')
          throw new Error('late async failure')
        })()
      })
      for (const path of ['/sync', '/async']) {
        const client = await RawClient.connect(port)
        t.teardown(() => client.destroy())
        await client.write(requestHead('GET', path))
        const err = await t.throwsAsync(client.readResponse())
        t.true(err instanceof IncompleteResponseError, `${path}: ${err.message}`)
        t.notRegex(err.partial.toString('latin1'), / 500 /)
        t.true(client.ended)
      }
      t.deepEqual(
        logged.map((args) => args[0].message),
        ['late sync failure', 'late async failure'],
      )
    })
  })
}

// ---- Bodiless responses ------------------------------------------------------

function bodilessListener(req, res) {
  switch (req.url) {
    case '/hello':
      return res.end('hello')
    case '/sized':
      res.setHeader('content-length', 5)
      return res.end('hello')
    case '/304':
      res.statusCode = 304
      res.setHeader('etag', '"v1"')
      return res.end('must not be sent')
    case '/204':
      res.writeHead(204, { 'x-empty': 'yes' })
      return res.end('must not be sent either')
    default:
      return res.end('tail')
  }
}

both('HEAD answers headers only; with an explicit Content-Length it is kept; the next pipelined response parses', async (t, target) => {
  const server = await listen(t, target, bodilessListener)
  const client = await RawClient.connect(portOf(server))
  t.teardown(() => client.destroy())
  await client.write(requestHead('HEAD', '/hello') + requestHead('HEAD', '/sized') + requestHead('GET', '/tail'))
  const [head, sized, tail] = await client.readResponses(3, { heads: [true, true] })
  t.is(head.status, 200)
  // node:http does not announce a length it never computed for HEAD (no body is written).
  t.is(head.header('content-length'), undefined)
  t.is(head.header('transfer-encoding'), undefined)
  t.is(sized.status, 200)
  t.is(sized.header('content-length'), '5')
  // A body after either HEAD response would have been read as the next status line.
  t.is(tail.status, 200)
  t.is(tail.body.toString(), 'tail')
  t.is(client.buf.length, 0)
})

both('304 and 204 carry no body even when the listener gives one', async (t, target) => {
  const server = await listen(t, target, bodilessListener)
  const client = await RawClient.connect(portOf(server))
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/304') + requestHead('GET', '/204') + requestHead('GET', '/tail'))
  const [notModified, noContent, tail] = await client.readResponses(3)
  t.is(notModified.status, 304)
  t.is(notModified.header('etag'), '"v1"')
  t.is(notModified.header('content-length'), undefined)
  t.is(notModified.header('transfer-encoding'), undefined)
  t.is(noContent.status, 204)
  t.is(noContent.header('x-empty'), 'yes')
  t.is(noContent.header('transfer-encoding'), undefined)
  t.is(tail.body.toString(), 'tail')
  t.is(client.buf.length, 0)
})

test('bodiless responses are byte-identical to node:http (apart from Date)', async (t) => {
  const results = {}
  for (const target of targets) {
    const server = await listen(t, target, bodilessListener)
    const client = await RawClient.connect(portOf(server))
    t.teardown(() => client.destroy())
    await client.write(
      requestHead('HEAD', '/hello') + requestHead('HEAD', '/sized') + requestHead('GET', '/304') + requestHead('GET', '/204'),
    )
    results[target] = (await client.readResponses(4, { heads: [true, true] })).map(wire)
  }
  t.deepEqual(results.mgnode, results['node:http'])
})

// ---- The http.Server surface -------------------------------------------------

test('listen(0, host, cb), the listening event, address() and the request event', async (t) => {
  const server = createServer()
  t.true(server instanceof MgnodeServer)
  t.false(server.listening)
  t.is(server.address(), null)
  server.on('request', (req, res) => res.end(`via request event ${req.url}`))
  const cb = deferred()
  let listeningEvents = 0
  server.on('listening', () => listeningEvents++)
  server.listen(0, '127.0.0.1', cb.resolve)
  await within(cb.promise, 5000, 'the listen callback')
  t.teardown(() => new Promise((r) => server.close(() => r())))
  t.is(listeningEvents, 1)
  t.true(server.listening)
  const addr = server.address()
  t.deepEqual(Object.keys(addr).sort(), ['address', 'family', 'port'])
  t.is(addr.address, '127.0.0.1')
  t.is(addr.family, 'IPv4')
  t.true(Number.isInteger(addr.port) && addr.port > 0)
  // node:http gives the same shape.
  const reference = http.createServer()
  await new Promise((r) => reference.listen(0, '127.0.0.1', r))
  t.deepEqual(Object.keys(reference.address()).sort(), Object.keys(addr).sort())
  reference.close()

  const res = await simpleGet(addr.port, '/x')
  t.is(res.body.toString(), 'via request event /x')
})

test('listen({ port: 0, host }, cb) and close(cb): close event, callback, then ERR_SERVER_NOT_RUNNING', async (t) => {
  const server = createServer((req, res) => res.end('ok'))
  await new Promise((r) => server.listen({ port: 0, host: '127.0.0.1' }, r))
  const { port } = server.address()
  t.is((await simpleGet(port)).status, 200)
  let closeEvents = 0
  server.on('close', () => closeEvents++)
  const err = await new Promise((r) => server.close(r))
  t.is(err, undefined)
  t.is(closeEvents, 1)
  t.false(server.listening)
  t.is(server.address(), null)
  await t.throwsAsync(simpleGet(port), { code: 'ECONNREFUSED' })
  const again = await new Promise((r) => server.close(r))
  t.is(again.code, 'ERR_SERVER_NOT_RUNNING')
})

test('close() waits for an in-flight request, which completes', async (t) => {
  const release = deferred()
  const arrived = deferred()
  const server = createServer(async (req, res) => {
    arrived.resolve()
    await release.promise
    res.end('finished late')
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  const pending = simpleGet(server.address().port)
  await arrived.promise
  let closed = false
  server.close(() => (closed = true))
  await sleep(50)
  t.false(closed, 'closed with a request in flight')
  release.resolve()
  const res = await pending
  t.is(res.body.toString(), 'finished late')
  await within(
    (async () => {
      while (!closed) await sleep(10)
    })(),
    5000,
    'the close callback',
  )
  t.true(closed)
})

test('an address in use is an error event with code EADDRINUSE, and no listening event', async (t) => {
  const blocker = net.createServer()
  await new Promise((r) => blocker.listen(0, '127.0.0.1', r))
  t.teardown(() => blocker.close())
  const { port } = blocker.address()
  for (const server of [createServer(), createServer()]) {
    let listened = false
    server.on('listening', () => (listened = true))
    server.listen(port, '127.0.0.1')
    const [err] = await within(once(server, 'error'), 5000, "the 'error' event")
    t.is(err.code, 'EADDRINUSE')
    t.false(listened)
    t.false(server.listening)
  }
  // Also against a port mgnode itself holds.
  const first = createServer()
  await new Promise((r) => first.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise((r) => first.close(() => r())))
  const second = createServer()
  second.listen(first.address().port, '127.0.0.1')
  const [err] = await within(once(second, 'error'), 5000, "the 'error' event")
  t.is(err.code, 'EADDRINUSE')
})

both('closeIdleConnections() closes an idle keep-alive connection but lets a busy one finish', async (t, target) => {
  const release = deferred()
  const arrived = deferred()
  const server = await listen(t, target, async (req, res) => {
    if (req.url === '/slow') {
      arrived.resolve()
      await release.promise
    }
    res.end(`done ${req.url}`)
  })
  const idle = await RawClient.connect(portOf(server))
  const busy = await RawClient.connect(portOf(server))
  t.teardown(() => (idle.destroy(), busy.destroy()))
  await idle.write(requestHead('GET', '/quick'))
  t.is((await idle.readResponse()).status, 200)
  await busy.write(requestHead('GET', '/slow'))
  await arrived.promise
  server.closeIdleConnections()
  t.true(await idle.waitForClose(3000), 'the idle connection stayed open')
  t.false(busy.ended)
  release.resolve()
  const res = await busy.readResponse()
  t.is(res.body.toString(), 'done /slow')
})

both('closeAllConnections() drops idle connections and responses in flight', async (t, target) => {
  const streaming = deferred()
  const resClosed = deferred()
  const server = await listen(t, target, (req, res) => {
    if (req.url !== '/stream') return res.end('quick')
    res.on('close', () => resClosed.resolve(res.writableFinished))
    res.write('started ')
    streaming.resolve()
  })
  const idle = await RawClient.connect(portOf(server))
  const busy = await RawClient.connect(portOf(server))
  t.teardown(() => (idle.destroy(), busy.destroy()))
  await idle.write(requestHead('GET', '/'))
  await idle.readResponse()
  await busy.write(requestHead('GET', '/stream'))
  await streaming.promise
  await busy.waitFor(() => busy.buf.includes('started'), 3000, 'the start of the stream')
  server.closeAllConnections()
  t.true(await idle.waitForClose(3000), 'the idle connection stayed open')
  t.true(await busy.waitForClose(3000), 'the busy connection stayed open')
  t.false(await within(resClosed.promise, 3000, "res 'close'"))
})

test('timeouts: keepAliveTimeout, headersTimeout and requestTimeout are numbers with node:http’s defaults', (t) => {
  const ours = createServer()
  const theirs = http.createServer()
  for (const name of ['keepAliveTimeout', 'headersTimeout', 'requestTimeout']) {
    t.is(typeof ours[name], 'number', name)
    t.is(ours[name], theirs[name], name)
  }
  const custom = createServer({ keepAliveTimeout: 1234, headersTimeout: 2345, requestTimeout: 3456 })
  t.is(custom.keepAliveTimeout, 1234)
  t.is(custom.headersTimeout, 2345)
  t.is(custom.requestTimeout, 3456)
})

/** One request, then the server advertises a 1 s keep-alive and closes the idle connection. */
async function expectIdleCloseAfterOneSecond(t, server) {
  const client = await RawClient.connect(portOf(server))
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/'))
  const res = await client.readResponse()
  t.is(res.header('keep-alive'), 'timeout=1')
  t.true(await client.waitForClose(5000), 'the idle connection was not closed')
}

both('keepAliveTimeout option: advertised in Keep-Alive and the idle connection is closed by the server', async (t, target) => {
  const server = await listen(t, target, (req, res) => res.end('ok'), { keepAliveTimeout: 1000 })
  await expectIdleCloseAfterOneSecond(t, server)
})

both('server.keepAliveTimeout set after listen() (as apps do after app.listen) takes effect', async (t, target) => {
  const server = await listen(t, target, (req, res) => res.end('ok'))
  server.keepAliveTimeout = 1000
  await expectIdleCloseAfterOneSecond(t, server)
})

test('headersTimeout: a client that never finishes its request head gets 408 and is closed', async (t) => {
  const server = await listen(t, 'mgnode', (req, res) => res.end('ok'), { headersTimeout: 500 })
  const client = await RawClient.connect(portOf(server))
  t.teardown(() => client.destroy())
  await client.write('GET / HTTP/1.1\r\nHost: x\r\n')
  const res = await client.readResponse({ timeout: 5000 })
  t.is(res.status, 408)
  t.true(await client.waitForClose(3000))
})

test('TLS: createServer({ cert, key }) with an EC P-256 certificate serves HTTPS; req.socket.encrypted', async (t) => {
  const { cert, key } = makeCert('ec')
  const server = createServer({ cert, key, keepAliveTimeout: 1000 }, (req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ encrypted: req.socket.encrypted === true, connection: req.connection === req.socket, url: req.url }))
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise((r) => server.close(() => r())))
  const res = await new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port: server.address().port, path: '/secure', rejectUnauthorized: false, agent: false }, (res) => {
        let body = ''
        res.on('data', (d) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode, body, authorized: res.socket.authorized, cert: res.socket.getPeerCertificate() }))
      })
      .on('error', reject)
  })
  t.is(res.status, 200)
  t.deepEqual(JSON.parse(res.body), { encrypted: true, connection: true, url: '/secure' })
  t.is(res.cert.subject.CN, 'localhost')
  // Plain HTTP on the TLS port is never answered as HTTP; the connection goes away
  // (here by the 1 s idle timeout: the engine waits for a whole TLS record).
  const plain = await RawClient.connect(server.address().port)
  t.teardown(() => plain.destroy())
  await plain.write(requestHead('GET', '/secure'))
  t.true(await plain.waitForClose(5000), 'plain HTTP on the TLS port stayed open')
  t.notRegex(plain.buf.toString('latin1'), /HTTP\/1\.1 200/)
})

test('a plain (non-TLS) request has no req.socket.encrypted, as on node:http', async (t) => {
  const seen = {}
  for (const target of targets) {
    const server = await listen(t, target, (req, res) => {
      seen[target] = req.socket.encrypted
      res.end()
    })
    await simpleGet(portOf(server))
  }
  t.is(seen.mgnode, undefined)
  t.is(seen['node:http'], undefined)
})

// ---- req / res API parity ----------------------------------------------------

/** Records what the listener sees of req and does with res; answers with a fixed response. */
function parityListener(report) {
  return async (req, res) => {
    const seen = {
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      httpVersionMajor: req.httpVersionMajor,
      httpVersionMinor: req.httpVersionMinor,
      rawHeaders: req.rawHeaders.filter((_, i) => !/^host$/i.test(req.rawHeaders[i - (i % 2)])),
      headers: { ...req.headers, host: undefined },
      headersDistinct: { ...req.headersDistinct, host: undefined },
      socketIsConnection: req.socket === req.connection,
      remoteAddress: req.socket.remoteAddress,
      localPort: req.socket.localPort === res.socket.localPort,
    }
    const chunks = []
    for await (const chunk of req) chunks.push(chunk)
    seen.body = Buffer.concat(chunks).toString()
    seen.completeAfterBody = req.complete

    res.setHeader('X-Single', 'one')
    res.setHeader('X-Multi', ['a', 'b'])
    res.setHeader('X-Number', 42)
    res.appendHeader('X-Append', 'first')
    res.appendHeader('X-Append', ['second', 'third'])
    res.setHeader('X-Removed', 'gone')
    seen.getHeader = [res.getHeader('x-single'), res.getHeader('X-MULTI'), res.getHeader('x-number'), res.getHeader('x-append')]
    seen.hasHeader = [res.hasHeader('x-removed'), res.hasHeader('x-absent')]
    res.removeHeader('x-removed')
    seen.hasRemoved = res.hasHeader('X-Removed')
    seen.getHeaders = { ...res.getHeaders() }
    seen.getHeaderNames = res.getHeaderNames()
    seen.getRawHeaderNames = res.getRawHeaderNames()
    seen.headersSentBefore = res.headersSent
    seen.statusCode = res.statusCode
    res.statusCode = 202
    res.setHeader('content-type', 'text/plain; charset=latin1')
    res.write('caf\u00e9 ', 'latin1')
    seen.headersSentAfterWrite = res.headersSent
    seen.writableEndedBeforeEnd = res.writableEnded
    const events = []
    res.on('finish', () => events.push('finish'))
    res.on('close', () => {
      events.push('close')
      seen.events = events
      seen.writableFinished = res.writableFinished
      report(seen)
    })
    res.end('done', () => events.push('end callback'))
    seen.writableEndedAfterEnd = res.writableEnded
  }
}

test('req and res APIs match node:http: headers, rawHeaders, body, header methods, events', async (t) => {
  const results = {}
  const onWire = {}
  const request =
    'POST /parity/path?q=1&q=2 HTTP/1.1\r\n' +
    'Host: example.test\r\n' +
    'X-Dup: first\r\n' +
    'Cookie: a=1\r\n' +
    'x-dup: second\r\n' +
    'Cookie: b=2\r\n' +
    'Set-Cookie: s=1\r\n' +
    'set-cookie: s=2\r\n' +
    'Content-Type: text/plain\r\n' +
    'Content-Length: 11\r\n' +
    '\r\n' +
    'hello world'
  for (const target of targets) {
    const report = deferred()
    const server = await listen(t, target, parityListener(report.resolve))
    const client = await RawClient.connect(portOf(server))
    t.teardown(() => client.destroy())
    await client.write(request)
    onWire[target] = wire(await client.readResponse())
    results[target] = await within(report.promise, 5000, `the ${target} listener's report`)
  }
  const ours = results.mgnode
  t.deepEqual(ours, results['node:http'])
  t.deepEqual(onWire.mgnode, onWire['node:http'])
  // And the values themselves, so both sides agreeing on something wrong still fails.
  t.is(ours.httpVersion, '1.1')
  t.deepEqual(ours.rawHeaders, [
    'X-Dup', 'first', 'Cookie', 'a=1', 'x-dup', 'second', 'Cookie', 'b=2',
    'Set-Cookie', 's=1', 'set-cookie', 's=2', 'Content-Type', 'text/plain', 'Content-Length', '11',
  ])
  t.is(ours.headers['x-dup'], 'first, second')
  t.is(ours.headers.cookie, 'a=1; b=2')
  t.deepEqual(ours.headers['set-cookie'], ['s=1', 's=2'])
  t.is(ours.body, 'hello world')
  t.true(ours.completeAfterBody)
  t.deepEqual(ours.getHeader, ['one', ['a', 'b'], 42, ['first', 'second', 'third']])
  t.deepEqual(ours.hasHeader, [true, false])
  t.false(ours.hasRemoved)
  t.false(ours.headersSentBefore)
  t.true(ours.headersSentAfterWrite)
  t.false(ours.writableEndedBeforeEnd)
  t.true(ours.writableEndedAfterEnd)
  // Node 24 runs end()'s callback before 'finish', older releases after it; the
  // order is node:http's own (compared above), 'close' always last.
  t.deepEqual([...ours.events].sort(), ['close', 'end callback', 'finish'])
  t.is(ours.events.at(-1), 'close')
  t.true(ours.writableFinished)
  const res = onWire.mgnode
  t.is(res.status, '202 Accepted')
  t.deepEqual(res.headers, [
    'X-Single: one', 'X-Multi: a', 'X-Multi: b', 'X-Number: 42',
    'X-Append: first', 'X-Append: second', 'X-Append: third',
    'content-type: text/plain; charset=latin1',
    'Connection: keep-alive', 'Keep-Alive: timeout=5', 'Transfer-Encoding: chunked',
  ])
  // 'é' written as latin1 is the single byte 0xE9.
  t.is(res.body, 'caf\u00e9 done')
})

both('writeHead with a flat array keeps both Set-Cookie lines on the wire', async (t, target) => {
  const server = await listen(t, target, (req, res) => {
    res.writeHead(200, ['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Content-Type', 'text/plain'])
    res.end('cookies')
  })
  const res = await simpleGet(portOf(server))
  const lines = res.head.split('\r\n')
  t.deepEqual(
    lines.filter((l) => /^set-cookie:/i.test(l)),
    ['Set-Cookie: a=1', 'Set-Cookie: b=2'],
  )
  t.is(res.body.toString(), 'cookies')
})

both('a custom statusMessage appears on the status line (statusMessage and writeHead reason)', async (t, target) => {
  const server = await listen(t, target, (req, res) => {
    if (req.url === '/fine') {
      res.statusMessage = 'Fine'
      return res.end('a')
    }
    res.writeHead(201, 'Made It', { 'x-made': '1' })
    res.end('b')
  })
  const fine = await simpleGet(portOf(server), '/fine')
  t.is(fine.head.split('\r\n')[0], 'HTTP/1.1 200 Fine')
  const made = await simpleGet(portOf(server), '/made')
  t.is(made.head.split('\r\n')[0], 'HTTP/1.1 201 Made It')
  t.is(made.header('x-made'), '1')
})

both('flushHeaders() sends the head before the body exists', async (t, target) => {
  const release = deferred()
  const server = await listen(t, target, async (req, res) => {
    res.setHeader('x-early', 'yes')
    res.flushHeaders()
    const sent = res.headersSent
    await release.promise
    res.end(`late body, headersSent=${sent}`)
  })
  const client = await RawClient.connect(portOf(server))
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/'))
  // The listener waits for us: the head can only be here if flushHeaders sent it.
  await client.waitFor(() => client.buf.includes('\r\n\r\n'), 5000, 'the flushed head')
  t.regex(client.buf.toString('latin1'), /^HTTP\/1\.1 200 OK\r\n/)
  t.regex(client.buf.toString('latin1'), /x-early: yes/i)
  release.resolve()
  const res = await client.readResponse()
  t.is(res.body.toString(), 'late body, headersSent=true')
})

both('req.pipe() into a writable, and HTTP/1.0 requests keep their version', async (t, target) => {
  const server = await listen(t, target, (req, res) => {
    const chunks = []
    req.pipe(
      new Writable({
        write(chunk, _enc, cb) {
          chunks.push(chunk)
          cb()
        },
        final(cb) {
          res.end(`${req.httpVersion} ${Buffer.concat(chunks).toString()}`)
          cb()
        },
      }),
    )
  })
  const client = await RawClient.connect(portOf(server))
  t.teardown(() => client.destroy())
  await client.write('PUT /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n')
  const chunked = await client.readResponse()
  t.is(chunked.body.toString(), '1.1 abcdefg')
  const old = await RawClient.connect(portOf(server))
  t.teardown(() => old.destroy())
  await old.write('POST /p HTTP/1.0\r\nContent-Length: 3\r\n\r\nxyz')
  const res = await old.readResponse()
  t.is(res.version, '1.1')
  t.is(res.body.toString(), '1.0 xyz')
  t.true(await old.waitForClose(3000))
})
