// Large bodies both ways, streaming with backpressure, chunked request bodies, Expect: 100-continue.
import test from 'ava'
import http from 'node:http'
import crypto from 'node:crypto'
import { startServer, sha256, sleep, wholeBody, within } from './helpers/server.mjs'
import { RawClient, requestHead, simpleGet, preview } from './helpers/raw.mjs'

const MiB = 1024 * 1024
const big = crypto.randomBytes(10 * MiB)
const bigHash = sha256(big)

/** node:http request returning { status, headers, body } */
function request(opts, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', agent: false, ...opts }, (res) => {
      const parts = []
      res.on('data', (d) => parts.push(d))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

test('10 MiB request body arrives intact and is echoed intact', async (t) => {
  let seenLen, seenHash, streamed
  const { port } = await startServer(t, async (req, reply) => {
    streamed = req.streamed
    const body = await wholeBody(req)
    seenLen = body.length
    seenHash = sha256(body)
    reply.send(200, { 'X-Sha256': seenHash }, body)
  })
  const res = await request({ port, method: 'POST', path: '/echo', headers: { 'Content-Length': big.length } }, big)
  t.is(res.status, 200)
  t.true(streamed, 'a 10 MiB body streams')
  t.is(seenLen, big.length)
  t.is(seenHash, bigHash)
  t.is(res.headers['x-sha256'], bigHash)
  t.is(res.body.length, big.length)
  t.is(sha256(res.body), bigHash)
})

test('10 MiB chunked request body (node:http without length) arrives intact', async (t) => {
  let seenHash, seenTE
  const { port } = await startServer(t, async (req, reply) => {
    const body = await wholeBody(req)
    seenHash = sha256(body)
    seenTE = req.rawHeaders.some((h) => /chunked/i.test(h))
    reply.send(200, {}, String(body.length))
  })
  const res = await new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port, method: 'PUT', path: '/', agent: false }, (res) => {
      let s = ''
      res.on('data', (d) => (s += d))
      res.on('end', () => resolve({ status: res.statusCode, text: s }))
    })
    r.on('error', reject)
    for (let off = 0; off < big.length; off += 100_000) r.write(big.subarray(off, off + 100_000))
    r.end()
  })
  t.true(seenTE, 'request was sent chunked')
  t.is(res.status, 200)
  t.is(res.text, String(big.length))
  t.is(seenHash, bigHash)
})

test('10 MiB response body sent whole with reply.send arrives intact', async (t) => {
  const { port } = await startServer(t, (req, reply) => reply.send(200, { 'Content-Type': 'application/octet-stream' }, big))
  const res = await request({ port, path: '/big' })
  t.is(res.status, 200)
  t.is(res.headers['content-length'], String(big.length))
  t.is(sha256(res.body), bigHash)
})

test('10 MiB response streamed in chunks with write()/drain() arrives intact', async (t) => {
  let falses = 0
  let drains = 0
  let streamErr
  const { port } = await startServer(t, (req, reply) => {
    ;(async () => {
      reply.writeHead(200, { 'Content-Type': 'application/octet-stream' })
      for (let off = 0; off < big.length; off += 64 * 1024) {
        if (!reply.write(big.subarray(off, off + 64 * 1024))) {
          falses++
          await reply.drain()
          drains++
        }
      }
      reply.end()
    })().catch((err) => (streamErr = err))
  })
  // keep-alive so the engine frames the body with chunked encoding (a closing connection may delimit by close)
  const agent = new http.Agent({ keepAlive: true })
  t.teardown(() => agent.destroy())
  const res = await request({ port, path: '/stream', agent })
  t.is(streamErr, undefined)
  t.is(res.status, 200)
  t.is(res.headers['transfer-encoding'], 'chunked')
  t.is(res.body.length, big.length)
  t.is(sha256(res.body), bigHash)
  t.is(drains, falses)
  t.log(`write() returned false ${falses} times`)
})

test('10 MiB streamed response with a declared Content-Length arrives intact', async (t) => {
  const { port } = await startServer(t, (req, reply) => {
    ;(async () => {
      reply.writeHead(200, { 'Content-Length': String(big.length) })
      for (let off = 0; off < big.length; off += 256 * 1024) {
        if (!reply.write(big.subarray(off, off + 256 * 1024))) await reply.drain()
      }
      reply.end()
    })()
  })
  const res = await request({ port, path: '/stream-len' })
  t.is(res.status, 200)
  t.is(res.headers['content-length'], String(big.length))
  t.is(res.headers['transfer-encoding'], undefined)
  t.is(sha256(res.body), bigHash)
})

test('write() reports a full send buffer while the client is not reading; writing stalls, then everything arrives once it reads', async (t) => {
  // Chunks carry their index so a lost, duplicated or reordered chunk shows up.
  const chunkSize = 64 * 1024
  const limit = 256 * MiB
  const state = { written: 0, falses: 0, drains: 0, ended: false, err: undefined }
  const { port } = await startServer(t, (req, reply) => {
    ;(async () => {
      reply.writeHead(200, {})
      for (let i = 0; state.written < limit && !state.stop; i++) {
        const chunk = Buffer.alloc(chunkSize, i % 251)
        state.written += chunkSize
        if (!reply.write(chunk)) {
          state.falses++
          await reply.drain()
          state.drains++
        }
      }
      reply.end()
      state.ended = true
    })().catch((err) => (state.err = err))
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  client.socket.pause()
  await client.write(requestHead('GET', '/pressure'))
  // wait until the writer stalls: no progress for 500 ms
  let last = -1
  await within(
    (async () => {
      while (state.written !== last && state.written < limit) {
        last = state.written
        await sleep(500)
      }
    })(),
    30000,
    () => `writer kept going: ${state.written} bytes`,
  )
  state.stop = true // once drained, finish instead of refilling
  t.true(state.written < limit, `writer was never held back: ${state.written} bytes accepted from a non-reading client`)
  t.true(state.falses > 0, 'write() never returned false')
  t.false(state.ended)
  t.log(`stalled after ${state.written} bytes, write() returned false ${state.falses} times`)
  client.socket.resume()
  const res = await client.readResponse({ timeout: 30000 })
  t.is(state.err, undefined)
  t.true(state.ended)
  t.is(state.drains, state.falses)
  t.is(res.body.length, state.written)
  let bad = -1
  for (let i = 0; i * chunkSize < res.body.length; i++) {
    const c = res.body.subarray(i * chunkSize, (i + 1) * chunkSize)
    if (c.length !== chunkSize || c[0] !== i % 251 || c[chunkSize - 1] !== i % 251) {
      bad = i
      break
    }
  }
  t.is(bad, -1, `chunk ${bad} corrupted`)
})

test('chunked request body is decoded (sizes in hex, extensions, trailers) and the next pipelined request works', async (t) => {
  const seen = []
  const { port } = await startServer(t, (req, reply) => {
    seen.push({ url: req.url, body: req.body.toString() })
    reply.send(200, {}, `${req.url}:${req.body.length}:${req.body.toString()}`)
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  const part1 = 'hello, '
  const part2 = 'chunked world with a longer piece of text!'
  const bytes =
    requestHead('POST', '/c1', { 'Transfer-Encoding': 'chunked' }) +
    `${part1.length.toString(16)}\r\n${part1}\r\n` +
    `${part2.length.toString(16).toUpperCase()};ext=1\r\n${part2}\r\n` +
    '0\r\n\r\n' +
    requestHead('POST', '/c2', { 'Transfer-Encoding': 'chunked' }) +
    '3\r\nabc\r\n0\r\nX-Trailer: yes\r\n\r\n' +
    requestHead('GET', '/after')
  await client.write(bytes)
  const rs = await client.readResponses(3)
  const body1 = part1 + part2
  t.deepEqual(
    rs.map((r) => r.body.toString()),
    [`/c1:${body1.length}:${body1}`, '/c2:3:abc', '/after:0:'],
  )
  t.deepEqual(seen.map((s) => s.url), ['/c1', '/c2', '/after'])
})

test('chunked request body sent in pieces over time is decoded', async (t) => {
  const { port } = await startServer(t, async (req, reply) => reply.send(200, {}, await wholeBody(req)))
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('POST', '/slow', { 'Transfer-Encoding': 'chunked' }))
  const pieces = ['4\r\nab', 'cd\r\n', '1', '0\r\n0123456789abcdef\r', '\n', '0\r\n', '\r\n']
  for (const p of pieces) {
    await sleep(20)
    await client.write(p)
  }
  const res = await client.readResponse()
  t.is(res.body.toString(), 'abcd0123456789abcdef')
})

test('Expect: 100-continue gets 100 Continue before the body is sent, then the final response', async (t) => {
  let seenBody
  const { port } = await startServer(t, (req, reply) => {
    seenBody = req.body.toString()
    reply.send(200, {}, `received ${req.body.length}`)
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('POST', '/upload', { 'Content-Length': 11, Expect: '100-continue' }))
  const interim = await client.readResponse({ timeout: 3000 })
  t.is(interim.status, 100, `expected 100 Continue first, got ${interim.head}`)
  t.is(interim.version, '1.1')
  await client.write('hello world')
  const res = await client.readResponse()
  t.is(res.status, 200)
  t.is(res.body.toString(), 'received 11')
  t.is(seenBody, 'hello world')
  // the connection stays usable
  await client.write(requestHead('GET', '/again'))
  const again = await client.readResponse()
  t.is(again.status, 200)
})

test('Expect: 100-continue with a body over maxBodySize gets 413 instead of 100', async (t) => {
  const calls = []
  const { port } = await startServer(
    t,
    (req, reply) => {
      calls.push(req.url)
      reply.send(200, {}, 'ok')
    },
    { maxBodySize: 100 },
  )
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('POST', '/upload', { 'Content-Length': 1000, Expect: '100-continue' }))
  const res = await client.readResponse({ timeout: 3000 })
  t.is(res.status, 413, `got ${res.head}`)
  t.deepEqual(calls, [])
  const after = await simpleGet(port, '/fine')
  t.is(after.status, 200)
})

test('node:http client with Expect: 100-continue completes', async (t) => {
  const { port } = await startServer(t, (req, reply) => reply.send(200, {}, sha256(req.body)))
  const payload = crypto.randomBytes(200_000)
  const result = await new Promise((resolve, reject) => {
    let continued = false
    const r = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/', agent: false, headers: { Expect: '100-continue', 'Content-Length': payload.length } },
      (res) => {
        let s = ''
        res.on('data', (d) => (s += d))
        res.on('end', () => resolve({ continued, status: res.statusCode, text: s }))
      },
    )
    r.on('continue', () => {
      continued = true
      r.end(payload)
    })
    r.on('error', reject)
  })
  t.true(result.continued)
  t.is(result.status, 200)
  t.is(result.text, sha256(payload))
})

test('a request body that arrives slowly is delivered whole', async (t) => {
  const { port } = await startServer(t, (req, reply) => reply.send(200, {}, req.body))
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  const body = 'x'.repeat(50) + 'y'.repeat(50)
  await client.write(requestHead('POST', '/', { 'Content-Length': body.length }))
  for (let i = 0; i < body.length; i += 25) {
    await sleep(15)
    await client.write(body.slice(i, i + 25))
  }
  const res = await client.readResponse()
  t.is(res.body.toString(), body, preview(res.body))
})

test('large bodies lent from one buffer at different offsets: 20 concurrent responses each arrive intact', async (t) => {
  // Views into one buffer (byteOffset != 0) are sent in place, not copied: each
  // response must carry exactly its own window of bytes.
  const windows = Array.from({ length: 20 }, (_, i) => ({ start: i * 100_003, length: 256 * 1024 + i * 4097 }))
  const { port } = await startServer(t, (req, reply) => {
    const w = windows[Number(req.url.slice(1))]
    reply.send(200, { 'content-type': 'application/octet-stream' }, big.subarray(w.start, w.start + w.length))
  })
  const results = await Promise.all(windows.map((_, i) => request({ port, path: `/${i}` })))
  results.forEach((res, i) => {
    const w = windows[i]
    t.is(res.status, 200)
    t.is(res.body.length, w.length, `response ${i} length`)
    t.is(sha256(res.body), sha256(big.subarray(w.start, w.start + w.length)), `response ${i} bytes`)
  })
})

test('a large body written after a small head and between chunk framing keeps its order on a keep-alive connection', async (t) => {
  const parts = [big.subarray(0, 100), big.subarray(100, 300_100), big.subarray(300_100, 300_200), big.subarray(300_200, 1_000_000)]
  const { port } = await startServer(t, (req, reply) => {
    reply.writeHead(200, { 'content-type': 'application/octet-stream' })
    for (const p of parts) reply.write(p)
    reply.end()
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  for (let round = 0; round < 3; round++) {
    await client.write(requestHead('GET', `/${round}`))
    const res = await client.readResponse({ timeout: 10000 })
    t.is(res.status, 200)
    t.is(res.header('transfer-encoding'), 'chunked')
    t.is(sha256(res.body), sha256(big.subarray(0, 1_000_000)), `round ${round}`)
  }
})
