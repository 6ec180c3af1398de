// Clients that go away, timeouts, closing with work in flight.
import test from 'ava'
import { Manager, startServer, sleep, within, deferred } from './helpers/server.mjs'
import { RawClient, requestHead, simpleGet, preview, IncompleteResponseError } from './helpers/raw.mjs'

test('client disconnecting mid-streamed-response: onclose(aborted=true) fires and the server keeps serving', async (t) => {
  const closed = deferred()
  const firstChunk = deferred()
  let writesAfterClose = 0
  let replyRef
  const { port } = await startServer(t, (req, reply) => {
    if (req.url !== '/stream') {
      reply.send(200, {}, 'still here')
      return
    }
    replyRef = reply
    reply.onclose = (aborted) => closed.resolve(aborted)
    reply.writeHead(200, { 'Content-Type': 'text/plain' })
    reply.write('first chunk\n')
    firstChunk.resolve()
    const timer = setInterval(() => {
      if (reply.aborted) {
        clearInterval(timer)
        return
      }
      reply.write('more\n')
    }, 10)
    closed.promise.then(() => {
      // writes after the client left must be dropped quietly
      try {
        reply.write('after close\n')
        writesAfterClose++
      } catch {
        /* an error here is acceptable too */
      }
      clearInterval(timer)
    })
  })
  const client = await RawClient.connect(port)
  await client.write(requestHead('GET', '/stream'))
  await client.waitFor(() => client.buf.includes('first chunk'), 3000, 'the first chunk')
  client.destroy()
  const aborted = await within(closed.promise, 5000, 'reply.onclose did not fire')
  t.is(aborted, true)
  t.true(replyRef.aborted)
  t.log(`writes after close accepted quietly: ${writesAfterClose}`)
  const res = await simpleGet(port, '/next')
  t.is(res.status, 200)
  t.is(res.body.toString(), 'still here')
})

test('client disconnecting before a delayed reply: onclose fires, the late send is harmless', async (t) => {
  const closed = deferred()
  const { port } = await startServer(t, (req, reply) => {
    if (req.url !== '/slow') return reply.send(200, {}, 'ok')
    reply.onclose = (aborted) => closed.resolve(aborted)
    closed.promise.then(() => setTimeout(() => reply.send(200, {}, 'too late'), 10))
  })
  const client = await RawClient.connect(port)
  await client.write(requestHead('GET', '/slow'))
  await sleep(100)
  client.destroy()
  t.is(await within(closed.promise, 5000, 'reply.onclose did not fire for a pending request'), true)
  await sleep(50)
  t.is((await simpleGet(port, '/ok')).body.toString(), 'ok')
})

test('onclose does not report an abort for a response that completed', async (t) => {
  const calls = []
  const { port } = await startServer(t, (req, reply) => {
    reply.onclose = (aborted) => calls.push(aborted)
    reply.send(200, {}, 'done')
  })
  const client = await RawClient.connect(port)
  await client.write(requestHead('GET', '/'))
  const res = await client.readResponse()
  t.is(res.body.toString(), 'done')
  client.destroy()
  await sleep(200)
  t.false(calls.includes(true), `onclose called with ${JSON.stringify(calls)}`)
})

test('many clients disconnecting mid-response leave the server healthy', async (t) => {
  let aborts = 0
  const { port } = await startServer(t, (req, reply) => {
    if (req.url === '/ok') return reply.send(200, {}, 'ok')
    reply.onclose = (aborted) => {
      if (aborted) aborts++
    }
    reply.writeHead(200, {})
    const timer = setInterval(() => {
      if (reply.aborted || reply.finished) return clearInterval(timer)
      reply.write(Buffer.alloc(16 * 1024, 0x61))
    }, 5)
  })
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      const c = await RawClient.connect(port)
      await c.write(requestHead('GET', '/stream'))
      await c.waitFor(() => c.received > 1000, 5000, 'some bytes')
      c.destroy()
    }),
  )
  await within(
    (async () => {
      while (aborts < 50) await sleep(20)
    })(),
    10000,
    () => `only ${aborts} of 50 onclose(aborted) calls`,
  ).catch((err) => t.fail(err.message))
  t.is(aborts, 50)
  const res = await simpleGet(port, '/ok')
  t.is(res.body.toString(), 'ok')
})

test('keep-alive idle timeout closes an idle connection', async (t) => {
  const { port } = await startServer(t, (req, reply) => reply.send(200, {}, 'x'), { keepAliveTimeout: 300 })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/'))
  const res = await client.readResponse()
  t.is(res.status, 200)
  t.true(await client.waitForClose(5000), 'idle keep-alive connection still open after 5 s (keepAliveTimeout 300 ms)')
  t.is(client.buf.length, 0, `unexpected bytes on idle close: ${preview(client.buf)}`)
})

test('keep-alive idle timeout also closes a connection that never sent anything', async (t) => {
  const { port } = await startServer(t, (req, reply) => reply.send(200, {}, 'x'), { keepAliveTimeout: 300, headersTimeout: 300 })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  t.true(await client.waitForClose(5000), 'silent connection still open after 5 s')
})

test('header timeout: a partial request head gets 408 or a close', async (t) => {
  const calls = []
  const { port } = await startServer(
    t,
    (req, reply) => {
      calls.push(req.url)
      reply.send(200, {}, 'x')
    },
    { headersTimeout: 300 },
  )
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write('GET /partial HTTP/1.1\r\nHost: a\r\nX-Slow: ')
  const closed = await client.waitForClose(5000)
  t.true(closed, 'connection with a partial head still open after 5 s (headersTimeout 300 ms)')
  if (client.buf.length) {
    const res = await client.readResponse()
    t.is(res.status, 408, `got ${res.head}`)
  }
  t.log(client.buf.length ? 'answered 408' : 'closed without a response')
  t.deepEqual(calls, [])
  t.is((await simpleGet(port, '/ok')).status, 200)
})

test('header timeout applies on its own, with a long keepAliveTimeout', async (t) => {
  const { port } = await startServer(t, (req, reply) => reply.send(200, {}, 'x'), { headersTimeout: 300, keepAliveTimeout: 60000 })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write('GET / HTTP/1.1\r\nHost')
  t.true(await client.waitForClose(5000), 'partial head still open after 5 s (headersTimeout 300 ms, keepAliveTimeout 60 s)')
  if (client.buf.length) t.is((await client.readResponse()).status, 408)
})

test('keep-alive idle timeout applies on its own, with a long headersTimeout', async (t) => {
  const { port } = await startServer(t, (req, reply) => reply.send(200, {}, 'x'), { keepAliveTimeout: 300, headersTimeout: 60000 })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/'))
  t.is((await client.readResponse()).status, 200)
  t.true(await client.waitForClose(5000), 'idle connection still open after 5 s (keepAliveTimeout 300 ms, headersTimeout 60 s)')
})

test('header timeout is not reset by a slow drip of header bytes', async (t) => {
  const { port } = await startServer(t, (req, reply) => reply.send(200, {}, 'x'), { headersTimeout: 300 })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write('GET / HTTP/1.1\r\n')
  let closedEarly = false
  // one header byte every 50 ms for up to 5 s
  for (let i = 0; i < 100 && !client.ended; i++) {
    await sleep(50)
    if (client.ended) break
    client.socket.write('X')
  }
  closedEarly = client.ended
  t.true(closedEarly, 'a client dripping header bytes kept the connection open for 5 s (headersTimeout 300 ms)')
})

test('stallTimeout: a client that stops reading a streamed response gets aborted', async (t) => {
  const closed = deferred()
  let total = 0
  let state = 'writing'
  const { port } = await startServer(
    t,
    (req, reply) => {
      reply.onclose = (aborted) => closed.resolve(aborted)
      reply.writeHead(200, {})
      const chunk = Buffer.alloc(64 * 1024, 0x71)
      ;(async () => {
        while (!reply.aborted && total < 512 * 1024 * 1024) {
          total += chunk.length
          if (!reply.write(chunk)) {
            state = 'waiting for drain'
            await reply.drain()
            state = 'writing'
          }
        }
        state = 'stopped'
      })().catch((err) => {
        state = `drain rejected: ${err.message}`
      })
    },
    { stallTimeout: 300 },
  )
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  client.socket.pause()
  await client.write(requestHead('GET', '/big'))
  const aborted = await within(closed.promise, 10000, () => `onclose did not fire (state: ${state}, ${total} bytes written)`)
  t.is(aborted, true)
  await sleep(100)
  t.not(state, 'waiting for drain', 'drain() still pending after the stream was aborted')
  t.log(`aborted after ${total} bytes; writer state: ${state}`)
})

test('close() with requests in flight: every client gets a complete response or a clean close, and close() resolves', async (t) => {
  const arrived = []
  const { port, close } = await startServer(t, (req, reply) => {
    arrived.push(req.url)
    setTimeout(() => {
      try {
        reply.send(200, {}, `late ${req.url}`)
      } catch (err) {
        t.log(`send after close threw: ${err.message}`)
      }
    }, 200)
  })
  const clients = await Promise.all(Array.from({ length: 5 }, () => RawClient.connect(port)))
  t.teardown(() => clients.forEach((c) => c.destroy()))
  await Promise.all(clients.map((c, i) => c.write(requestHead('GET', `/r${i}`))))
  await within(
    (async () => {
      while (arrived.length < 5) await sleep(5)
    })(),
    5000,
    'requests did not reach the handler',
  )
  await within(close(), 5000, 'close() did not resolve')
  const outcomes = await Promise.all(
    clients.map((c, i) =>
      c.readResponse({ timeout: 5000 }).then(
        (res) => {
          t.is(res.status, 200)
          t.is(res.body.toString(), `late /r${i}`)
          return 'response'
        },
        (err) => {
          // acceptable: a close with no partial response bytes
          t.true(err instanceof IncompleteResponseError, `client ${i}: ${err.message}`)
          t.is(err.partial?.length ?? -1, 0, `client ${i} got a partial response: ${err.message}`)
          return 'closed'
        },
      ),
    ),
  )
  t.log('outcomes:', outcomes.join(', '))
  // and the port is released
  await sleep(50)
  const err = await t.throwsAsync(RawClient.connect(port))
  t.is(err.code, 'ECONNREFUSED')
})

test('close() with a streaming response in flight does not hang', async (t) => {
  const { port, close } = await startServer(t, (req, reply) => {
    reply.writeHead(200, {})
    reply.write('begun')
    // never ends on its own
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/'))
  await client.waitFor(() => client.buf.includes('begun'), 3000, 'first chunk')
  // close() gives in-flight responses a grace period (5 s by default) before aborting them
  const started = performance.now()
  await within(close(), 15000, 'close() did not resolve with an unfinished stream')
  t.log(`close() resolved after ${(performance.now() - started).toFixed(0)} ms`)
  t.true(await client.waitForClose(3000), 'client connection not closed after manager close()')
})

test('close(graceMs) with an unfinished stream aborts it once the grace period is over', async (t) => {
  const closed = deferred()
  const { mgr, port } = await startServer(t, (req, reply) => {
    reply.onclose = (aborted) => closed.resolve(aborted)
    reply.writeHead(200, {})
    reply.write('begun')
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/'))
  await client.waitFor(() => client.buf.includes('begun'), 3000, 'first chunk')
  await within(mgr.close(200), 3000, 'close(200) did not resolve')
  t.true(await client.waitForClose(3000), 'client connection not closed after close(200)')
  t.is(await within(closed.promise, 3000, 'onclose not called for the aborted stream'), true)
  // the client saw a truncated chunked body, not a complete response
  await t.throwsAsync(client.readResponse({ timeout: 1000 }), { instanceOf: IncompleteResponseError })
})

test('close() with idle keep-alive connections resolves and closes them', async (t) => {
  const { port, close } = await startServer(t, (req, reply) => reply.send(200, {}, 'x'))
  const clients = await Promise.all(Array.from({ length: 10 }, () => RawClient.connect(port)))
  t.teardown(() => clients.forEach((c) => c.destroy()))
  for (const c of clients) {
    await c.write(requestHead('GET', '/'))
    t.is((await c.readResponse()).status, 200)
  }
  await within(close(), 5000, 'close() did not resolve')
  const closedAll = await Promise.all(clients.map((c) => c.waitForClose(3000)))
  t.true(closedAll.every(Boolean), `open after close(): ${closedAll.filter((x) => !x).length}`)
})

test('managers can be created and closed many times in one process', async (t) => {
  for (let i = 0; i < 30; i++) {
    const mgr = new Manager()
    const l = await mgr.listen('http://127.0.0.1:0', (req, reply) => reply.send(200, {}, `round ${i}`))
    const res = await simpleGet(l.localAddr[1], '/')
    t.is(res.body.toString(), `round ${i}`)
    await within(mgr.close(), 5000, `close() ${i} did not resolve`)
  }
})
