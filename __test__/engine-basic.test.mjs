// Engine basics: request fields, response forms, keep-alive, pipelining, HEAD, connection closing.
import test from 'ava'
import http from 'node:http'
import { Manager, startServer, sleep, deferred, within } from './helpers/server.mjs'
import { RawClient, exchange, requestHead, simpleGet, preview } from './helpers/raw.mjs'

test('hello world: request fields and a whole response', async (t) => {
  let seen
  const { port, host, listener } = await startServer(t, (req, reply) => {
    seen = req
    reply.send(200, { 'Content-Type': 'text/plain' }, 'hello world')
  })
  t.is(host, '127.0.0.1')
  t.true(Number.isInteger(port) && port > 0, `port ${port}`)
  t.true(Number.isInteger(listener.id))

  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(
    'GET /hello/world?x=1&y=%20 HTTP/1.1\r\nHost: example.test\r\nX-Dup: one\r\nUser-Agent: raw\r\nx-dup: two\r\n\r\n',
  )
  const res = await client.readResponse()
  t.is(res.status, 200)
  t.is(res.body.toString(), 'hello world')
  t.is(res.header('content-length'), '11')
  t.is(res.header('content-type'), 'text/plain')
  t.is(res.version, '1.1')

  t.is(seen.method, 'GET')
  t.is(seen.url, '/hello/world?x=1&y=%20')
  t.is(seen.httpVersion, '1.1')
  t.deepEqual(seen.rawHeaders, ['Host', 'example.test', 'X-Dup', 'one', 'User-Agent', 'raw', 'x-dup', 'two'])
  t.true(Buffer.isBuffer(seen.body))
  t.is(seen.body.length, 0)
  t.is(seen.remoteAddress, '127.0.0.1')
  t.is(seen.remotePort, client.localPort)
  t.is(seen.localAddress, '127.0.0.1')
  t.is(seen.localPort, port)
  t.is(seen.tls, false)
  t.is(seen.keepAlive, true)
  t.true(Number.isInteger(seen.connId))
})

test('hello world through node:http client', async (t) => {
  const { port } = await startServer(t, (req, reply) => {
    reply.send(200, { 'content-type': 'text/plain' }, `hello ${req.method} ${req.url}`)
  })
  const body = await new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/p?q=2', agent: false }, (res) => {
        const parts = []
        res.on('data', (d) => parts.push(d))
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(parts).toString() }))
        res.on('error', reject)
      })
      .on('error', reject)
  })
  t.deepEqual(body, { status: 200, text: 'hello GET /p?q=2' })
})

test('POST body is delivered as a Buffer', async (t) => {
  let seen
  const { port } = await startServer(t, (req, reply) => {
    seen = req
    reply.send(201, {}, Buffer.concat([Buffer.from('got:'), req.body]))
  })
  const payload = Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10, 0x41])
  const { responses, client } = await exchange(
    port,
    Buffer.concat([Buffer.from(requestHead('POST', '/upload', { 'Content-Length': payload.length })), payload]),
  )
  client.destroy()
  t.is(responses[0].status, 201)
  t.deepEqual(responses[0].body, Buffer.concat([Buffer.from('got:'), payload]))
  t.is(seen.method, 'POST')
  t.deepEqual(seen.body, payload)
})

test('response headers: record with array values become repeated headers; flat list keeps order', async (t) => {
  const { port } = await startServer(t, (req, reply) => {
    if (req.url === '/record') {
      reply.send(200, { 'Set-Cookie': ['a=1', 'b=2'], 'X-Num': 42 }, 'r')
    } else {
      reply.send(202, ['X-First', '1', 'Set-Cookie', 'c=3', 'X-Last', 'z', 'Set-Cookie', 'd=4'], 'f')
    }
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/record') + requestHead('GET', '/flat'))
  const [a, b] = await client.readResponses(2)
  t.is(a.status, 200)
  t.deepEqual(a.headers['set-cookie'], ['a=1', 'b=2'])
  t.is(a.header('x-num'), '42')
  t.is(a.body.toString(), 'r')
  t.is(b.status, 202)
  t.deepEqual(b.headers['set-cookie'], ['c=3', 'd=4'])
  const names = b.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase())
  const order = names.filter((n) => ['x-first', 'set-cookie', 'x-last'].includes(n))
  t.deepEqual(order, ['x-first', 'set-cookie', 'x-last', 'set-cookie'])
  t.is(b.body.toString(), 'f')
})

test('status codes without a body (204, 304) carry no body bytes', async (t) => {
  const { port } = await startServer(t, (req, reply) => {
    if (req.url === '/204') reply.send(204, {}, '')
    else if (req.url === '/304') reply.send(304, { ETag: '"x"' }, '')
    else reply.send(200, {}, 'after')
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/204') + requestHead('GET', '/304') + requestHead('GET', '/ok'))
  const [a, b, c] = await client.readResponses(3)
  t.is(a.status, 204)
  t.is(b.status, 304)
  t.is(c.status, 200)
  t.is(c.body.toString(), 'after')
})

test('100 requests over one keep-alive connection reach the server on the same connection', async (t) => {
  const seen = []
  const { port } = await startServer(t, (req, reply) => {
    seen.push({ connId: req.connId, remotePort: req.remotePort, keepAlive: req.keepAlive })
    reply.send(200, {}, `n=${req.url.slice(1)}`)
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  for (let i = 0; i < 100; i++) {
    await client.write(requestHead('GET', `/${i}`))
    const res = await client.readResponse()
    t.is(res.status, 200)
    t.is(res.body.toString(), `n=${i}`)
  }
  t.false(client.ended, 'server closed the keep-alive connection')
  t.is(seen.length, 100)
  t.is(new Set(seen.map((s) => s.connId)).size, 1, 'one connection id')
  t.true(seen.every((s) => s.remotePort === client.localPort), 'remotePort is the client socket port')
  t.true(seen.every((s) => s.keepAlive === true))
})

test('100 requests through a keep-alive node:http agent use one socket', async (t) => {
  const conns = new Set()
  const { port } = await startServer(t, (req, reply) => {
    conns.add(req.connId)
    reply.send(200, { 'Content-Type': 'text/plain' }, req.url)
  })
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  for (let i = 0; i < 100; i++) {
    const text = await new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: `/k${i}`, agent }, (res) => {
          let s = ''
          res.setEncoding('utf8')
          res.on('data', (d) => (s += d))
          res.on('end', () => resolve(s))
        })
        .on('error', reject)
    })
    t.is(text, `/k${i}`)
  }
  t.is(conns.size, 1)
})

test('three pipelined requests in one write are answered in order, even when replies finish out of order', async (t) => {
  const delays = { '/a': 80, '/b': 40, '/c': 0 }
  const arrival = []
  const { port } = await startServer(t, (req, reply) => {
    arrival.push(req.url)
    setTimeout(() => reply.send(200, { 'X-Path': req.url }, `body of ${req.url} `.repeat(3)), delays[req.url] ?? 0)
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/a') + requestHead('GET', '/b') + requestHead('GET', '/c'))
  const rs = await client.readResponses(3)
  t.deepEqual(
    rs.map((r) => r.header('x-path')),
    ['/a', '/b', '/c'],
  )
  t.deepEqual(
    rs.map((r) => r.body.toString()),
    ['/a', '/b', '/c'].map((p) => `body of ${p} `.repeat(3)),
  )
  t.deepEqual(arrival, ['/a', '/b', '/c'])
  t.is(client.buf.length, 0, `unexpected extra bytes ${preview(client.buf)}`)
})

test('pipelined POST with a body does not swallow the request after it', async (t) => {
  const got = []
  const { port } = await startServer(t, (req, reply) => {
    got.push([req.method, req.url, req.body.toString()])
    reply.send(200, {}, `${req.method} ${req.url} [${req.body.toString()}]`)
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(
    requestHead('POST', '/one', { 'Content-Length': 5 }) +
      'abcde' +
      requestHead('GET', '/two') +
      requestHead('POST', '/three', { 'Content-Length': 3 }) +
      'xyz',
  )
  const rs = await client.readResponses(3)
  t.deepEqual(
    rs.map((r) => r.body.toString()),
    ['POST /one [abcde]', 'GET /two []', 'POST /three [xyz]'],
  )
  t.deepEqual(got, [
    ['POST', '/one', 'abcde'],
    ['GET', '/two', ''],
    ['POST', '/three', 'xyz'],
  ])
})

test('a request split into many small writes is assembled', async (t) => {
  const { port } = await startServer(t, (req, reply) => reply.send(200, {}, `${req.url}|${req.body}`))
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  const bytes = requestHead('PUT', '/split', { 'Content-Length': 10, 'X-A': 'b' }) + '0123456789'
  for (const ch of bytes) {
    client.socket.write(ch)
    await sleep(1)
  }
  const res = await client.readResponse()
  t.is(res.body.toString(), '/split|0123456789')
})

test('HEAD gets the headers of GET (same Content-Length) and no body bytes', async (t) => {
  const body = 'twelve bytes'
  const methods = []
  const { port } = await startServer(t, (req, reply) => {
    methods.push(req.method)
    reply.send(200, { 'Content-Type': 'text/plain' }, body)
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('HEAD', '/x') + requestHead('GET', '/x') + requestHead('HEAD', '/x'))
  const [h, g, h2] = await client.readResponses(3, { heads: [true, false, true] })
  t.is(h.status, 200)
  t.is(h.header('content-length'), String(body.length))
  t.is(g.status, 200)
  t.is(g.header('content-length'), String(body.length))
  t.is(g.body.toString(), body)
  t.is(h2.status, 200)
  t.is(h2.header('content-length'), String(body.length))
  // any body bytes after the last HEAD would show up here
  await sleep(100)
  t.is(client.buf.length, 0, `bytes after HEAD response: ${preview(client.buf)}`)
  t.deepEqual(methods, ['HEAD', 'GET', 'HEAD'])
})

test('HEAD with a streamed response (declared length and chunked) sends no body bytes', async (t) => {
  const { port } = await startServer(t, (req, reply) => {
    if (req.url === '/len') {
      reply.writeHead(200, { 'Content-Length': '10' })
      reply.write('01234')
      reply.end('56789')
    } else if (req.url === '/chunked') {
      reply.writeHead(200, { 'Content-Type': 'text/plain' })
      reply.write('part one;')
      reply.end('part two')
    } else {
      reply.send(200, {}, 'tail')
    }
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(
    requestHead('HEAD', '/len') + requestHead('HEAD', '/chunked') + requestHead('GET', '/len') + requestHead('GET', '/chunked') + requestHead('GET', '/tail'),
  )
  const [h1, h2, g1, g2, tail] = await client.readResponses(5, { heads: [true, true] })
  t.is(h1.status, 200)
  t.is(h1.header('content-length'), '10')
  t.is(h2.status, 200)
  t.is(g1.body.toString(), '0123456789')
  t.is(g2.body.toString(), 'part one;part two')
  t.true(g2.chunked, 'streamed response without length is chunked')
  t.is(tail.body.toString(), 'tail')
})

test('streamed response: chunked without Content-Length, plain with it', async (t) => {
  const { port } = await startServer(t, (req, reply) => {
    if (req.url === '/chunked') {
      reply.writeHead(200, { 'Content-Type': 'application/octet-stream' })
      for (let i = 0; i < 5; i++) reply.write(Buffer.from(`chunk${i};`))
      reply.end()
    } else {
      reply.writeHead(200, { 'content-length': 12 })
      reply.write('hello ')
      setTimeout(() => reply.end(Buffer.from('world!')), 20)
    }
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/chunked') + requestHead('GET', '/len'))
  const [c, l] = await client.readResponses(2)
  t.true(c.chunked)
  t.is(c.header('content-length'), undefined)
  t.is(c.body.toString(), 'chunk0;chunk1;chunk2;chunk3;chunk4;')
  t.false(l.chunked)
  t.is(l.header('content-length'), '12')
  t.is(l.header('transfer-encoding'), undefined)
  t.is(l.body.toString(), 'hello world!')
})

test('reply.finished is set after send and after end', async (t) => {
  const states = []
  const { port } = await startServer(t, (req, reply) => {
    if (req.url === '/send') {
      states.push(['send-before', reply.finished])
      reply.send(200, {}, 'x')
      states.push(['send-after', reply.finished, reply.aborted])
    } else {
      reply.writeHead(200, {})
      reply.write('y')
      states.push(['stream-mid', reply.finished])
      reply.end()
      states.push(['stream-after', reply.finished, reply.aborted])
    }
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/send') + requestHead('GET', '/stream'))
  const [a, b] = await client.readResponses(2)
  t.is(a.body.toString(), 'x')
  t.is(b.body.toString(), 'y')
  t.deepEqual(states, [
    ['send-before', false],
    ['send-after', true, false],
    ['stream-mid', false],
    ['stream-after', true, false],
  ])
})

test('writeRaw sends bytes as given and can end the response', async (t) => {
  const { port } = await startServer(t, (req, reply) => {
    if (req.url === '/raw') {
      reply.writeRaw(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 7\r\nX-Raw: yes\r\n\r\nraw'), false, true)
      reply.writeRaw(Buffer.from('body'), true, true)
    } else {
      reply.send(200, {}, 'next')
    }
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/raw') + requestHead('GET', '/next'))
  const [a, b] = await client.readResponses(2)
  t.is(a.header('x-raw'), 'yes')
  t.is(a.body.toString(), 'rawbody')
  t.is(b.body.toString(), 'next')
})

test('Connection: close gets the response, then the server closes', async (t) => {
  let seen
  const { port } = await startServer(t, (req, reply) => {
    seen = req
    reply.send(200, {}, 'bye')
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/', { Connection: 'close' }))
  const res = await client.readResponse()
  t.is(res.status, 200)
  t.is(res.body.toString(), 'bye')
  t.true(await client.waitForClose(3000), 'server did not close after Connection: close')
  t.is(seen.keepAlive, false)
  t.is(client.buf.length, 0)
})

test('Connection: close on a delayed (asynchronous) reply still closes', async (t) => {
  const { port } = await startServer(t, (req, reply) => {
    setTimeout(() => reply.send(200, {}, 'late bye'), 50)
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/', { Connection: 'close' }))
  const res = await client.readResponse()
  t.is(res.body.toString(), 'late bye')
  t.true(await client.waitForClose(3000), 'server did not close')
})

test('Connection: close with a streamed response ends the stream and closes', async (t) => {
  const { port } = await startServer(t, (req, reply) => {
    reply.writeHead(200, {})
    reply.write('a')
    setTimeout(() => reply.end('b'), 30)
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/', { Connection: 'close' }))
  const res = await client.readResponse()
  t.is(res.body.toString(), 'ab')
  t.true(await client.waitForClose(3000), 'server did not close')
})

test('HTTP/1.0 request gets the response, then the server closes', async (t) => {
  let seen
  const { port } = await startServer(t, (req, reply) => {
    seen = req
    reply.send(200, {}, 'old')
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write('GET /legacy HTTP/1.0\r\n\r\n')
  const res = await client.readResponse()
  t.is(res.status, 200)
  t.is(res.body.toString(), 'old')
  t.true(await client.waitForClose(3000), 'server did not close an HTTP/1.0 connection')
  t.is(seen.httpVersion, '1.0')
  t.is(seen.keepAlive, false)
})

test('HTTP/1.0 streamed response without a length is delimited by close', async (t) => {
  const { port } = await startServer(t, (req, reply) => {
    reply.writeHead(200, { 'Content-Type': 'text/plain' })
    reply.write('one,')
    setTimeout(() => reply.end('two'), 20)
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write('GET / HTTP/1.0\r\n\r\n')
  const res = await client.readResponse()
  // an HTTP/1.0 client cannot decode chunked framing
  t.is(res.header('transfer-encoding'), undefined, `HTTP/1.0 response used chunked: ${res.head}`)
  t.is(res.body.toString(), 'one,two')
  t.true(client.ended)
})

test('HTTP/1.0 with Connection: keep-alive stays open for the next request', async (t) => {
  const seen = []
  const { port } = await startServer(t, (req, reply) => {
    seen.push(req)
    reply.send(200, {}, `ka ${req.url}`)
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write('GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n')
  const r1 = await client.readResponse()
  t.is(r1.body.toString(), 'ka /1')
  t.log('Connection header on the HTTP/1.0 keep-alive response:', r1.header('connection'))
  await sleep(100)
  t.false(client.ended, 'server closed the HTTP/1.0 keep-alive connection after the first response')
  await client.write('GET /2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n')
  const r2 = await client.readResponse()
  t.is(r2.body.toString(), 'ka /2')
  t.false(client.ended)
  t.is(seen[0].connId, seen[1].connId)
  t.is(seen[0].keepAlive, true)
  t.is(seen[0].httpVersion, '1.0')
})

test('200 concurrent clients are all answered correctly', async (t) => {
  const { port } = await startServer(t, (req, reply) => {
    const n = req.url.slice(1)
    // reply at different times so responses interleave across connections
    setTimeout(() => reply.send(200, { 'X-N': n }, `client ${n} ${req.body.toString()}`), Number(n) % 7)
  })
  const results = await Promise.all(
    Array.from({ length: 200 }, async (_, i) => {
      const { responses, client } = await exchange(
        port,
        requestHead('POST', `/${i}`, { 'Content-Length': String(i).length }) + String(i),
        { timeout: 20000 },
      )
      client.destroy()
      return responses[0]
    }),
  )
  let ok = 0
  results.forEach((r, i) => {
    if (r.status === 200 && r.header('x-n') === String(i) && r.body.toString() === `client ${i} ${i}`) ok++
    else t.log(`client ${i}: status ${r.status} body ${preview(r.body)}`)
  })
  t.is(ok, 200)
})

test('a response for a connection that already went away is dropped without harm', async (t) => {
  const gone = deferred()
  const { port } = await startServer(t, (req, reply) => {
    if (req.url === '/slow') {
      gone.promise.then(() => {
        reply.send(200, {}, 'too late')
        gone.sent = true
      })
    } else {
      reply.send(200, {}, 'alive')
    }
  })
  const client = await RawClient.connect(port)
  await client.write(requestHead('GET', '/slow'))
  await sleep(50)
  client.destroy()
  await sleep(50)
  gone.resolve()
  await within(
    (async () => {
      while (!gone.sent) await sleep(5)
    })(),
    2000,
    'late send did not run',
  )
  const res = await simpleGet(port, '/after')
  t.is(res.body.toString(), 'alive')
})

test('closeListener stops accepting connections', async (t) => {
  const { mgr, listener, port } = await startServer(t, (req, reply) => reply.send(200, {}, 'on'))
  const before = await simpleGet(port, '/')
  t.is(before.body.toString(), 'on')
  await within(mgr.closeListener(listener.id), 5000, 'closeListener did not resolve')
  const err = await t.throwsAsync(RawClient.connect(port))
  t.is(err.code, 'ECONNREFUSED')
})

test('one manager serves several listeners with their own handlers', async (t) => {
  const { mgr, port } = await startServer(t, (req, reply) => reply.send(200, {}, 'first'))
  const second = await mgr.listen('http://127.0.0.1:0', (req, reply) => reply.send(200, {}, 'second'))
  t.not(second.localAddr[1], port)
  t.is((await simpleGet(port)).body.toString(), 'first')
  t.is((await simpleGet(second.localAddr[1])).body.toString(), 'second')
})

test('listening twice on the same port rejects with EADDRINUSE', async (t) => {
  const { mgr, port } = await startServer(t, (req, reply) => reply.send(200, {}, 'x'))
  const err = await t.throwsAsync(mgr.listen(`http://127.0.0.1:${port}`, (req, reply) => reply.send(200, {}, 'y')))
  t.log('error given:', err && { code: err.code, message: err.message })
  t.true(err.code === 'EADDRINUSE' || /EADDRINUSE|address (already )?in use/i.test(err.message), `code ${err.code} message ${err.message}`)
  // a different manager too
  const other = new Manager()
  t.teardown(() => other.close())
  const err2 = await t.throwsAsync(other.listen(`http://127.0.0.1:${port}`, (req, reply) => reply.send(200, {}, 'z')))
  t.true(err2.code === 'EADDRINUSE' || /EADDRINUSE|address (already )?in use/i.test(err2.message), `code ${err2.code} message ${err2.message}`)
  // and the first listener is unharmed
  t.is((await simpleGet(port)).body.toString(), 'x')
})

test('a POST without Content-Length or Transfer-Encoding has an empty body and does not swallow the next pipelined request', async (t) => {
  const seen = []
  const { port } = await startServer(t, (req, reply) => {
    seen.push([req.method, req.url, req.body.length])
    reply.send(200, {}, `${req.method} ${req.url}`)
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('POST', '/nolength') + requestHead('GET', '/next'))
  const rs = await client.readResponses(2)
  t.deepEqual(
    rs.map((r) => r.body.toString()),
    ['POST /nolength', 'GET /next'],
  )
  t.deepEqual(seen, [
    ['POST', '/nolength', 0],
    ['GET', '/next', 0],
  ])
})

test('reply.abort() drops the connection without a response; the server keeps serving', async (t) => {
  const closes = []
  const { port } = await startServer(t, (req, reply) => {
    if (req.url === '/abort') {
      reply.onclose = (aborted) => closes.push(aborted)
      reply.abort()
      closes.push(['after abort', reply.aborted, reply.finished])
    } else if (req.url === '/abort-mid') {
      reply.writeHead(200, {})
      reply.write('partial')
      setTimeout(() => reply.abort(), 20)
    } else {
      reply.send(200, {}, 'ok')
    }
  })
  const a = await RawClient.connect(port)
  t.teardown(() => a.destroy())
  await a.write(requestHead('GET', '/abort'))
  t.true(await a.waitForClose(3000), 'connection not dropped after abort()')
  t.is(a.buf.length, 0, `bytes sent before abort: ${preview(a.buf)}`)
  t.deepEqual(closes, [true, ['after abort', true, true]])

  const b = await RawClient.connect(port)
  t.teardown(() => b.destroy())
  await b.write(requestHead('GET', '/abort-mid'))
  t.true(await b.waitForClose(3000), 'connection not dropped after abort() mid-stream')
  // a truncated chunked body: no complete response can be parsed
  await t.throwsAsync(b.readResponse({ timeout: 500 }))

  t.is((await simpleGet(port, '/ok')).body.toString(), 'ok')
})

test('reply.statusMessage sets the reason phrase; a CR or LF in it is refused', async (t) => {
  const { port } = await startServer(t, (req, reply) => {
    if (req.url === '/bad') {
      reply.statusMessage = 'Fine\r\nX-Injected: 1'
      t.throws(() => reply.send(200, {}, 'no'), { code: 'ERR_INVALID_CHAR' })
      reply.statusMessage = undefined
      reply.send(200, {}, 'standard')
      return
    }
    reply.statusMessage = 'Fine Thanks'
    if (req.url === '/stream') {
      reply.writeHead(202)
      reply.end('streamed')
    } else {
      reply.send(202, {}, 'whole')
    }
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/') + requestHead('GET', '/stream') + requestHead('GET', '/bad'))
  const whole = await client.readResponse()
  t.is(whole.statusText, 'Fine Thanks')
  t.is(whole.body.toString(), 'whole')
  const streamed = await client.readResponse()
  t.is(streamed.status, 202)
  t.is(streamed.statusText, 'Fine Thanks')
  t.is(streamed.body.toString(), 'streamed')
  const standard = await client.readResponse()
  t.is(standard.statusText, 'OK')
  t.false(standard.head.includes('X-Injected'))
})

test("a handler's own Connection: close ends the connection after its response", async (t) => {
  const { port } = await startServer(t, (req, reply) => {
    if (req.url === '/stream') {
      reply.writeHead(200, { Connection: 'close' })
      reply.end('bye')
    } else {
      reply.send(200, { connection: 'close' }, 'bye')
    }
  })
  for (const path of ['/', '/stream']) {
    const client = await RawClient.connect(port)
    t.teardown(() => client.destroy())
    await client.write(requestHead('GET', path) + requestHead('GET', '/never'))
    const res = await client.readResponse()
    t.is(res.body.toString(), 'bye', path)
    t.deepEqual(res.headers.connection, ['close'], `${path}: one Connection header`)
    const { closed, rest } = await client.drainToClose(2000)
    t.true(closed, `${path}: the server closed the connection`)
    t.is(rest.length, 0, `${path}: nothing answered after the close`)
  }
})
