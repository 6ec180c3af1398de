// Express 5 and Express 4 apps on mgnode (`Server`, `createServer`), checked
// against the same app on node:http wherever the bytes should be identical.
import test from 'ava'
import { createRequire } from 'node:module'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'

import { RawClient, exchange, requestHead } from './helpers/raw.mjs'
import { sha256, sleep } from './helpers/server.mjs'

const require = createRequire(import.meta.url)
const { Server, createServer } = require('../dist/index.js')
const cookieParser = require('cookie-parser')
const request = require('supertest')

const frameworks = [
  ['express5', require('express')],
  ['express4', require('express4')],
]

const dir = mkdtempSync(join(tmpdir(), 'mgnode-express-'))
const textPath = join(dir, 'hello.txt')
writeFileSync(textPath, 'hello file\n')
const dataPath = join(dir, 'data.bin')
const data = randomBytes(200 * 1024 + 7)
writeFileSync(dataPath, data)
test.after.always(() => rmSync(dir, { recursive: true, force: true }))

const MiB = 1024 * 1024
const big = randomBytes(5 * MiB)
const BULK_COPIES = 10

/** The app every test serves; `errorHandler: false` leaves errors to Express's default handler. */
function makeApp(express, { errorHandler = true } = {}) {
  const app = express()
  // 'test' keeps Express from logging the errors these tests provoke on purpose.
  app.set('env', 'test')
  app.get('/user/:id', (req, res) => res.json({ id: req.params.id, query: req.query }))
  app.get('/custom', (req, res) => res.status(201).set('X-Custom', 'yes').send('created'))
  app.get('/json', (req, res) => res.json({ ok: true, list: [1, 2, 3], text: 'ünïcödé ✓' }))
  app.get('/redirect', (req, res) => res.redirect('/user/7'))
  app.get('/throw', () => {
    throw new Error('sync boom')
  })
  app.get('/async-reject', async () => {
    await sleep(5)
    throw Object.assign(new Error('async boom'), { status: 503 })
  })
  app.get('/async-plain', async () => {
    await sleep(5)
    throw new Error('async plain')
  })
  app.post('/json-body', express.json(), (req, res) => res.json({ body: req.body }))
  app.post('/form', express.urlencoded({ extended: false }), (req, res) => res.json({ body: req.body }))
  app.get('/cookies', cookieParser(), (req, res) => res.json({ cookies: req.cookies }))
  app.get('/set-cookies', (req, res) => {
    res.cookie('a', '1')
    res.cookie('b', 'two words', { httpOnly: true, path: '/x' })
    res.send('cookies set')
  })
  app.get('/file', (req, res, next) => res.sendFile(dataPath, (err) => err && next(err)))
  app.use('/static', express.static(dir))
  app.use('/static', (req, res) => res.status(404).send(`no static file at ${req.originalUrl}`))
  app.get('/download', (req, res, next) => res.download(textPath, 'report.txt', (err) => err && next(err)))
  app.get('/stream', (req, res) => {
    res.type('text/plain')
    let i = 0
    const tick = () => {
      if (i < 5) {
        res.write(`part ${i++}\n`)
        setTimeout(tick, 3)
      } else {
        res.end('done\n')
      }
    }
    tick()
  })
  // Streams `big` (or, for /endless, up to 64 MiB) with backpressure; counts the waits for 'drain'.
  app.locals.waits = 0
  app.locals.events = []
  app.get(['/big-stream', '/endless'], (req, res) => {
    res.type('application/octet-stream')
    const total = req.path === '/endless' ? 64 * MiB : big.length
    const events = app.locals.events
    req.on('aborted', () => events.push('req aborted'))
    req.on('close', () => events.push('req close'))
    res.on('close', () => events.push(`res close, writableFinished ${res.writableFinished}, req.destroyed ${req.destroyed}`))
    let off = 0
    const pump = () => {
      while (off < total) {
        const start = off % big.length
        const chunk = big.subarray(start, Math.min(start + 64 * 1024, big.length, start + total - off))
        off += chunk.length
        if (!res.write(chunk)) {
          app.locals.waits++
          res.once('drain', pump)
          return
        }
      }
      res.end()
    }
    pump()
  })
  // 50 MiB in 64 KiB writes without waiting for 'drain', as many apps do.
  app.get('/bulk', (req, res) => {
    res.type('application/octet-stream')
    for (let i = 0; i < BULK_COPIES; i++) {
      for (let off = 0; off < big.length; off += 64 * 1024) res.write(big.subarray(off, off + 64 * 1024))
    }
    res.end()
    app.locals.onBulkWritten?.()
  })
  app.get('/req-info', (req, res) =>
    res.json({
      ip: req.ip,
      protocol: req.protocol,
      secure: req.secure,
      host: req.get('host'),
      hostname: req.hostname,
      path: req.path,
      originalUrl: req.originalUrl,
      httpVersion: req.httpVersion,
      reqIsIncomingMessage: req instanceof http.IncomingMessage,
      resIsServerResponse: res instanceof http.ServerResponse,
    }),
  )
  if (errorHandler) {
    app.use((err, req, res, next) => {
      res.status(err.status ?? 500).set('X-Error-Handler', 'custom').json({ error: err.message })
    })
  }
  return app
}

/** Serves `app` on mgnode's `Server`; closed on teardown. */
async function startMgnode(t, app) {
  const server = new Server(app)
  t.teardown(() => server.close())
  const { localAddr } = await server.listen('http://127.0.0.1:0')
  return localAddr[1]
}

/** Serves `app` on node:http; closed (with its keep-alive connections) on teardown. */
async function startNode(t, app) {
  const server = http.createServer(app)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    server.closeAllConnections()
    return new Promise((resolve) => server.close(resolve))
  })
  return server.address().port
}

/** The same app on both servers: `{ mg, node }` ports. */
async function startBoth(t, app) {
  return { mg: await startMgnode(t, app), node: await startNode(t, app) }
}

/** One request on a fresh keep-alive connection, raw bytes both ways. */
async function raw(port, method, path, { headers = {}, body } = {}) {
  const h = { ...headers }
  if (body !== undefined) h['Content-Length'] = Buffer.byteLength(body)
  const { responses, client } = await exchange(port, requestHead(method, path, h) + (body ?? ''), { heads: [method === 'HEAD'] })
  client.destroy()
  return responses[0]
}

/** What must be identical between the servers: everything but the Date header. */
function shape(res) {
  const headers = []
  for (let i = 0; i < res.rawHeaders.length; i += 2) {
    if (res.rawHeaders[i].toLowerCase() !== 'date') headers.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`)
  }
  return { status: res.status, statusText: res.statusText, headers, chunked: res.chunked, body: res.body.toString('latin1') }
}

/** Sends the same request to both servers, asserts identical answers, returns mgnode's. */
async function same(t, ports, method, path, options) {
  const mg = await raw(ports.mg, method, path, options)
  const node = await raw(ports.node, method, path, options)
  t.deepEqual(shape(mg), shape(node), `${method} ${path}: mgnode answered differently from node:http`)
  return mg
}

const json = (res) => JSON.parse(res.body.toString('utf8'))

/** node:http GET that hashes the body as it arrives, reading in bursts with pauses in between. */
function getSlowly(port, path) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        const hash = createHash('sha256')
        let length = 0
        let bursts = 0
        res.on('data', (d) => {
          hash.update(d)
          length += d.length
          if (length > (bursts + 1) * MiB) {
            bursts++
            res.pause()
            setTimeout(() => res.resume(), 50)
          }
        })
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, length, sha: hash.digest('hex') }))
        res.on('error', reject)
      })
      .on('error', reject)
  })
}

/** Sends a request whose body goes out a few bytes per TCP write, with pauses between. */
async function dribble(port, head, body, { step = 3, pause = 2 } = {}) {
  const client = await RawClient.connect(port)
  client.socket.setNoDelay(true)
  try {
    await client.write(head)
    const bytes = Buffer.from(body)
    for (let off = 0; off < bytes.length; off += step) {
      await sleep(pause)
      await client.write(bytes.subarray(off, off + step))
    }
    return await client.readResponse()
  } finally {
    client.destroy()
  }
}

for (const [name, express] of frameworks) {
  test(`${name}: route params and query strings`, async (t) => {
    const ports = await startBoth(t, makeApp(express))
    const res = await same(t, ports, 'GET', '/user/42?a=1&b=two%20words&list=x&list=y')
    t.is(res.status, 200)
    t.regex(res.header('content-type'), /^application\/json/)
    t.deepEqual(json(res), { id: '42', query: { a: '1', b: 'two words', list: ['x', 'y'] } })
  })

  test(`${name}: res.status().set().send(), res.json and res.redirect`, async (t) => {
    const ports = await startBoth(t, makeApp(express))
    const custom = await same(t, ports, 'GET', '/custom')
    t.is(custom.status, 201)
    t.is(custom.header('x-custom'), 'yes')
    t.is(custom.header('content-length'), '7')
    t.is(custom.body.toString(), 'created')

    const body = await same(t, ports, 'GET', '/json')
    t.is(body.status, 200)
    t.is(body.header('content-type'), 'application/json; charset=utf-8')
    t.deepEqual(json(body), { ok: true, list: [1, 2, 3], text: 'ünïcödé ✓' })
    t.is(Number(body.header('content-length')), body.body.length)

    const redirect = await same(t, ports, 'GET', '/redirect')
    t.is(redirect.status, 302)
    t.is(redirect.header('location'), '/user/7')
  })

  test(`${name}: an unknown route gets Express's default HTML 404`, async (t) => {
    const ports = await startBoth(t, makeApp(express))
    const res = await same(t, ports, 'GET', '/no/such/route?x=1')
    t.is(res.status, 404)
    t.is(res.header('content-type'), 'text/html; charset=utf-8')
    t.regex(res.body.toString(), /Cannot GET \/no\/such\/route/)
  })

  test(`${name}: a route that throws reaches the custom error handler`, async (t) => {
    const ports = await startBoth(t, makeApp(express))
    const res = await same(t, ports, 'GET', '/throw')
    t.is(res.status, 500)
    t.is(res.header('x-error-handler'), 'custom')
    t.deepEqual(json(res), { error: 'sync boom' })
    // The server keeps serving after the error.
    t.is((await raw(ports.mg, 'GET', '/custom')).status, 201)
  })

  test(`${name}: a route that throws with no error handler gets Express's default 500`, async (t) => {
    const ports = await startBoth(t, makeApp(express, { errorHandler: false }))
    const mg = await raw(ports.mg, 'GET', '/throw')
    const node = await raw(ports.node, 'GET', '/throw')
    t.is(mg.status, 500)
    t.is(mg.header('content-type'), 'text/html; charset=utf-8')
    t.is(mg.header('x-error-handler'), undefined)
    // Outside production the page shows the stack, which starts with the error.
    t.regex(mg.body.toString(), /Error: sync boom/)
    t.is(node.status, 500)
    t.deepEqual(
      shape(mg).headers.filter((h) => !/^content-length:/i.test(h)),
      shape(node).headers.filter((h) => !/^content-length:/i.test(h)),
    )
  })

  test(`${name}: express.json() and express.urlencoded() bodies`, async (t) => {
    const ports = await startBoth(t, makeApp(express))
    const payload = { a: 1, s: 'ünïcödé', list: [true, null, { deep: 'x' }] }
    const res = await same(t, ports, 'POST', '/json-body', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(payload),
    })
    t.is(res.status, 200)
    t.deepEqual(json(res), { body: payload })

    const form = await same(t, ports, 'POST', '/form', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'a=1&b=hello+world&c=%C3%BC%26',
    })
    t.is(form.status, 200)
    t.deepEqual(json(form), { body: { a: '1', b: 'hello world', c: 'ü&' } })
  })

  test(`${name}: once mgnode has learnt the properties the app adds (40+ requests), every route still answers as on node:http`, async (t) => {
    const ports = await startBoth(t, makeApp(express))
    const cases = [
      ['GET', '/user/42?a=1&list=x&list=y', {}],
      ['GET', '/custom', {}],
      ['GET', '/json', {}],
      ['GET', '/redirect', {}],
      ['GET', '/no/such/route', {}],
      ['GET', '/throw', {}],
      ['POST', '/json-body', { headers: { 'Content-Type': 'application/json' }, body: '{"a":[1,2]}' }],
      ['POST', '/form', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'a=1&b=x+y' }],
      ['GET', '/cookies', { headers: { Cookie: 'a=1; b=two' } }],
      ['GET', '/set-cookies', {}],
      ['GET', '/static/hello.txt', {}],
      ['GET', '/static/missing.txt', {}],
      ['GET', '/req-info', {}],
      ['HEAD', '/json', {}],
    ]
    // Learning takes the first 32 exchanges; these rounds go well past them.
    for (let round = 0; round < 3; round++) {
      for (const [method, path, options] of cases) await raw(ports.mg, method, path, options)
    }
    for (const [method, path, options] of cases) await same(t, ports, method, path, options)
  })

  test(`${name}: a JSON body sent a few bytes per TCP write is parsed whole`, async (t) => {
    const ports = await startBoth(t, makeApp(express))
    const payload = { message: 'sent in many small writes', n: 12345, list: Array.from({ length: 20 }, (_, i) => i) }
    const body = JSON.stringify(payload)
    const head = requestHead('POST', '/json-body', { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
    const chunkedHead = requestHead('POST', '/json-body', { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' })
    const chunked = body.match(/.{1,16}/gs).map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join('') + '0\r\n\r\n'
    for (const port of [ports.mg, ports.node]) {
      const res = await dribble(port, head, body)
      t.is(res.status, 200)
      t.deepEqual(json(res), { body: payload })
      const res2 = await dribble(port, chunkedHead, chunked, { step: 5 })
      t.is(res2.status, 200)
      t.deepEqual(json(res2), { body: payload })
    }
  })

  test(`${name}: a JSON body over express.json's limit gets 413`, async (t) => {
    const ports = await startBoth(t, makeApp(express))
    // express.json's default limit is 100kb.
    const body = JSON.stringify({ pad: 'x'.repeat(150 * 1024) })
    const res = await same(t, ports, 'POST', '/json-body', { headers: { 'Content-Type': 'application/json' }, body })
    t.is(res.status, 413)
    t.deepEqual(json(res), { error: 'request entity too large' })
    // Under the limit is still fine on the same server.
    const ok = await raw(ports.mg, 'POST', '/json-body', { headers: { 'Content-Type': 'application/json' }, body: '{"small":true}' })
    t.deepEqual(json(ok), { body: { small: true } })
  })

  test(`${name}: cookie-parser reads Cookie; two res.cookie() calls give two Set-Cookie lines`, async (t) => {
    const ports = await startBoth(t, makeApp(express))
    const read = await same(t, ports, 'GET', '/cookies', { headers: { Cookie: 'a=1; b=hello%20world; j=j%3A%7B%22x%22%3A1%7D' } })
    t.deepEqual(json(read), { cookies: { a: '1', b: 'hello world', j: { x: 1 } } })

    const set = await same(t, ports, 'GET', '/set-cookies')
    t.is(set.status, 200)
    t.deepEqual(set.headers['set-cookie'], ['a=1; Path=/', 'b=two%20words; Path=/x; HttpOnly'])
    t.is(set.rawHeaders.filter((h, i) => i % 2 === 0 && h.toLowerCase() === 'set-cookie').length, 2)
  })

  test(`${name}: res.sendFile with Range gives 206; with the ETag in If-None-Match gives 304`, async (t) => {
    const ports = await startBoth(t, makeApp(express))
    const full = await same(t, ports, 'GET', '/file')
    t.is(full.status, 200)
    t.is(Number(full.header('content-length')), data.length)
    t.true(full.body.equals(data))
    const etag = full.header('etag')
    t.truthy(etag)

    const part = await same(t, ports, 'GET', '/file', { headers: { Range: 'bytes=1000-4999' } })
    t.is(part.status, 206)
    t.is(part.header('content-range'), `bytes 1000-4999/${data.length}`)
    t.is(part.header('content-length'), '4000')
    t.true(part.body.equals(data.subarray(1000, 5000)))

    const suffix = await same(t, ports, 'GET', '/file', { headers: { Range: 'bytes=-10' } })
    t.is(suffix.status, 206)
    t.true(suffix.body.equals(data.subarray(data.length - 10)))

    const cached = await same(t, ports, 'GET', '/file', { headers: { 'If-None-Match': etag } })
    t.is(cached.status, 304)
    t.is(cached.body.length, 0)
  })

  test(`${name}: express.static serves a file, and a missing one falls through`, async (t) => {
    const ports = await startBoth(t, makeApp(express))
    const hit = await same(t, ports, 'GET', '/static/hello.txt')
    t.is(hit.status, 200)
    // Express 4's `send` writes the charset as UTF-8, Express 5's as utf-8.
    t.regex(hit.header('content-type'), /^text\/plain; charset=utf-8$/i)
    t.is(hit.body.toString(), 'hello file\n')
    t.truthy(hit.header('last-modified'))

    const miss = await same(t, ports, 'GET', '/static/missing.txt')
    t.is(miss.status, 404)
    t.is(miss.body.toString(), 'no static file at /static/missing.txt')
  })

  test(`${name}: res.download sets Content-Disposition`, async (t) => {
    const ports = await startBoth(t, makeApp(express))
    const res = await same(t, ports, 'GET', '/download')
    t.is(res.status, 200)
    // Express 4 always quotes the file name, Express 5 only when it has to.
    t.regex(res.header('content-disposition'), /^attachment; filename="?report\.txt"?$/)
    t.is(res.body.toString(), 'hello file\n')
  })

  test(`${name}: res.write several times then res.end gives an intact chunked body`, async (t) => {
    const ports = await startBoth(t, makeApp(express))
    const res = await same(t, ports, 'GET', '/stream')
    t.is(res.status, 200)
    t.true(res.chunked)
    t.is(res.header('transfer-encoding'), 'chunked')
    t.is(res.body.toString(), 'part 0\npart 1\npart 2\npart 3\npart 4\ndone\n')
  })

  test(`${name}: a 5 MiB streamed body arrives intact, with res.write() asking to wait`, async (t) => {
    const app = makeApp(express)
    const ports = await startBoth(t, app)
    for (const [server, port] of Object.entries(ports)) {
      app.locals.waits = 0
      const res = await getSlowly(port, '/big-stream')
      t.is(res.status, 200, server)
      t.is(res.headers['transfer-encoding'], 'chunked', server)
      t.is(res.length, big.length, server)
      t.is(res.sha, sha256(big), server)
      // Backpressure: a chunked res.write() returns false while the client lags.
      t.true(app.locals.waits > 0, `${server}: res.write() never returned false`)
    }
  })

  test(`${name}: while a 50 MiB response written without waiting for drain goes out, other connections are served`, async (t) => {
    const app = makeApp(express)
    const ports = await startBoth(t, app)
    const expected = createHash('sha256')
    for (let i = 0; i < BULK_COPIES; i++) expected.update(big)
    const expectedSha = expected.digest('hex')
    for (const [server, port] of Object.entries(ports)) {
      const written = new Promise((resolve) => (app.locals.onBulkWritten = resolve))
      const bulk = new Promise((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/bulk', agent: false }, (res) => {
            const hash = createHash('sha256')
            let length = 0
            res.on('data', (d) => {
              hash.update(d)
              length += d.length
            })
            res.on('end', () => resolve({ length, sha: hash.digest('hex') }))
            res.on('error', reject)
          })
          .on('error', reject)
      })
      // The app has handed over the whole body; the server is now sending it.
      await written
      const started = Date.now()
      const other = await raw(port, 'GET', '/custom').then(
        (r) => ({ status: r.status, ms: Date.now() - started }),
        (err) => ({ error: err.message, ms: Date.now() - started }),
      )
      t.is(other.status, 201, `${server}: ${JSON.stringify(other)}`)
      t.true(other.ms < 1000, `${server}: the other request took ${other.ms} ms`)
      const { length, sha } = await bulk
      t.is(length, BULK_COPIES * big.length, server)
      t.is(sha, expectedSha, server)
    }
  })

  test(`${name}: a client that goes away mid-stream aborts the request and closes the response`, async (t) => {
    const app = makeApp(express)
    const ports = await startBoth(t, app)
    const seen = {}
    for (const [server, port] of Object.entries(ports)) {
      app.locals.events = []
      const client = await RawClient.connect(port)
      await client.write(requestHead('GET', '/endless'))
      await client.waitFor(() => client.received > 256 * 1024, 5000, 'the first 256 KiB')
      client.destroy()
      const deadline = Date.now() + 5000
      while (app.locals.events.length < 3 && Date.now() < deadline) await sleep(10)
      seen[server] = app.locals.events
      // The server still answers.
      t.is((await raw(port, 'GET', '/custom')).status, 201, server)
    }
    t.deepEqual(seen.mg, ['req aborted', 'res close, writableFinished false, req.destroyed true', 'req close'])
    t.deepEqual(seen.mg, seen.node)
  })

  test(`${name}: req.ip, protocol, host, hostname; req and res are node:http's classes`, async (t) => {
    const ports = await startBoth(t, makeApp(express))
    const res = await same(t, ports, 'GET', '/req-info?x=1', { headers: { Host: 'example.test:8080' } })
    t.deepEqual(json(res), {
      ip: '127.0.0.1',
      protocol: 'http',
      secure: false,
      host: 'example.test:8080',
      hostname: 'example.test',
      path: '/req-info',
      originalUrl: '/req-info?x=1',
      httpVersion: '1.1',
      reqIsIncomingMessage: true,
      resIsServerResponse: true,
    })
  })

  test(`${name}: HEAD on a GET route gets the headers with Content-Length and no body`, async (t) => {
    const ports = await startBoth(t, makeApp(express))
    const head = await same(t, ports, 'HEAD', '/json')
    const get = await raw(ports.mg, 'GET', '/json')
    t.is(head.status, 200)
    t.is(head.header('content-length'), get.header('content-length'))
    t.is(head.header('etag'), get.header('etag'))
    // HEAD then GET pipelined: a body after the HEAD response would garble the GET's.
    for (const port of [ports.mg, ports.node]) {
      const { responses, client } = await exchange(port, requestHead('HEAD', '/custom') + requestHead('GET', '/custom'), {
        n: 2,
        heads: [true, false],
      })
      await sleep(50)
      const leftover = client.buf.length
      client.destroy()
      t.is(responses[0].status, 201)
      t.is(responses[0].header('content-length'), '7')
      t.is(responses[0].body.length, 0)
      t.is(responses[1].status, 201)
      t.is(responses[1].body.toString(), 'created')
      t.is(leftover, 0, 'bytes after the last response')
    }
  })

  test(`${name}: keep-alive: several requests on one connection are all answered`, async (t) => {
    const port = await startMgnode(t, makeApp(express))
    const client = await RawClient.connect(port)
    t.teardown(() => client.destroy())
    const paths = ['/custom', '/user/1', '/json', '/no-such', '/user/2?q=z']
    for (const path of paths) {
      await client.write(requestHead('GET', path))
      const res = await client.readResponse()
      t.is(res.header('connection'), 'keep-alive', path)
      t.is(res.status, path === '/no-such' ? 404 : path === '/custom' ? 201 : 200, path)
    }
    const body = '{"on":"the same connection"}'
    await client.write(requestHead('POST', '/json-body', { 'Content-Type': 'application/json', 'Content-Length': body.length }) + body)
    t.deepEqual(json(await client.readResponse()), { body: { on: 'the same connection' } })
    // Pipelined: three requests in one write, answered in order.
    await client.write(requestHead('GET', '/user/a') + requestHead('GET', '/user/b') + requestHead('GET', '/user/c'))
    const ids = (await client.readResponses(3)).map((r) => json(r).id)
    t.deepEqual(ids, ['a', 'b', 'c'])
    t.false(client.ended, 'the server closed a keep-alive connection')
    // A last request that asks to close is answered, then the connection closes.
    await client.write(requestHead('GET', '/custom', { Connection: 'close' }))
    const last = await client.readResponse()
    t.is(last.status, 201)
    t.is(last.header('connection'), 'close')
    t.true(await client.waitForClose(2000), 'the connection stayed open after Connection: close')
  })

  test(`${name}: supertest drives mgnode's createServer(app)`, async (t) => {
    const server = createServer(makeApp(express))
    t.teardown(() => server.listening && new Promise((resolve) => server.close(resolve)))
    const get = await request(server).get('/user/5?x=1').expect(200).expect('Content-Type', /json/)
    t.deepEqual(get.body, { id: '5', query: { x: '1' } })
    const post = await request(server).post('/json-body').send({ a: 1, b: ['c'] }).expect(200)
    t.deepEqual(post.body, { body: { a: 1, b: ['c'] } })
    const missing = await request(server).get('/nope').expect(404)
    t.regex(missing.text, /Cannot GET \/nope/)
  })
}

test('express5: an async route that rejects reaches the error handler', async (t) => {
  const ports = await startBoth(t, makeApp(require('express')))
  const res = await same(t, ports, 'GET', '/async-reject')
  t.is(res.status, 503)
  t.is(res.header('x-error-handler'), 'custom')
  t.deepEqual(json(res), { error: 'async boom' })
  t.is((await raw(ports.mg, 'GET', '/custom')).status, 201)
})

test('express5: an async route that rejects with no error handler gets the default 500', async (t) => {
  const ports = await startBoth(t, makeApp(require('express'), { errorHandler: false }))
  for (const port of [ports.mg, ports.node]) {
    const plain = await raw(port, 'GET', '/async-plain')
    t.is(plain.status, 500)
    t.is(plain.header('content-type'), 'text/html; charset=utf-8')
    t.regex(plain.body.toString(), /Error: async plain/)
    // The error's own status is kept.
    const res = await raw(port, 'GET', '/async-reject')
    t.is(res.status, 503)
    t.regex(res.body.toString(), /Error: async boom/)
  }
})
