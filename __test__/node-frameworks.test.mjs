// Connect and Fastify 5 on mgnode's createServer, checked against node:http.
import test from 'ava'
import { createHash, randomBytes } from 'node:crypto'
import http from 'node:http'
import { once } from 'node:events'

import connect from 'connect'
import Fastify from 'fastify'

import { createServer, MgnodeServer } from '../dist/index.js'
import { sha256 } from './helpers/server.mjs'
import { RawClient, requestHead } from './helpers/raw.mjs'
import { request } from './helpers/http-client.mjs'

const targets = ['mgnode', 'node:http']

/** Runs `fn(t, target)` as one test per target, so a difference shows which side it is on. */
function both(title, fn) {
  for (const target of targets) test(`${title} [${target}]`, (t) => fn(t, target))
}

const factories = { mgnode: createServer, 'node:http': http.createServer }

// ---- Connect -----------------------------------------------------------------

function connectApp(order) {
  const app = connect()
  app.use((req, res, next) => {
    order.push(`first ${req.url}`)
    res.setHeader('x-chain', 'first')
    next()
  })
  app.use('/api', (req, res, next) => {
    // Connect strips the mount path and keeps the original in originalUrl.
    order.push(`api ${req.url} ${req.originalUrl}`)
    res.setHeader('x-chain', `${res.getHeader('x-chain')},api`)
    if (req.url === '/fail') return next(new Error('deliberate'))
    next()
  })
  app.use('/api/hello', (req, res) => {
    res.setHeader('content-type', 'text/plain')
    res.end(`hello ${req.url}`)
  })
  app.use('/echo', (req, res) => {
    // The request body piped straight into the response (chunked).
    res.setHeader('content-type', req.headers['content-type'] ?? 'application/octet-stream')
    req.pipe(res)
  })
  app.use('/hash', (req, res) => {
    const hash = createHash('sha256')
    let length = 0
    req.on('data', (d) => (length += d.length))
    req.pipe(hash).on('finish', () => res.end(`${length} ${hash.digest('hex')}`))
  })
  // Connect's error middleware: four arguments.
  app.use((err, req, res, next) => {
    order.push(`error ${err.message}`)
    res.statusCode = 503
    res.end(`caught ${err.message}`)
  })
  return app
}

async function startConnect(t, target, app) {
  const server = factories[target](app)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => new Promise((r) => server.close(r)))
  return server
}

both('connect: middleware chain in order, mount paths stripped, res.end body', async (t, target) => {
  const order = []
  const server = await startConnect(t, target, connectApp(order))
  t.is(server instanceof MgnodeServer, target === 'mgnode')
  const res = await request(server.address().port, { path: '/api/hello/world?q=1' })
  t.is(res.status, 200)
  t.is(res.headers['x-chain'], 'first,api')
  t.is(res.headers['content-type'], 'text/plain')
  t.is(res.body.toString(), 'hello /world?q=1')
  t.deepEqual(order, ['first /api/hello/world?q=1', 'api /hello/world?q=1 /api/hello/world?q=1'])
})

both('connect: next(err) reaches the error middleware; unmatched paths get finalhandler 404', async (t, target) => {
  const order = []
  const server = await startConnect(t, target, connectApp(order))
  const port = server.address().port
  const failed = await request(port, { path: '/api/fail' })
  t.is(failed.status, 503)
  t.is(failed.body.toString(), 'caught deliberate')
  t.deepEqual(order, ['first /api/fail', 'api /fail /api/fail', 'error deliberate'])
  const missing = await request(port, { path: '/nowhere' })
  t.is(missing.status, 404)
  t.regex(missing.body.toString(), /Cannot GET \/nowhere/)
})

both('connect: a POST body piped to the response comes back byte for byte', async (t, target) => {
  const server = await startConnect(t, target, connectApp([]))
  const port = server.address().port
  const payload = randomBytes(3 * 1024 * 1024 + 5)
  const echoed = await request(port, {
    path: '/echo',
    method: 'POST',
    headers: { 'content-type': 'application/x-test', 'content-length': payload.length },
    body: payload,
  })
  t.is(echoed.status, 200)
  t.is(echoed.headers['content-type'], 'application/x-test')
  t.is(echoed.headers['transfer-encoding'], 'chunked')
  t.is(echoed.body.length, payload.length)
  t.is(sha256(echoed.body), sha256(payload))

  const parts = ['one ', 'two ', 'three']
  const hashed = await request(port, { path: '/hash', method: 'POST', body: parts })
  const whole = Buffer.from(parts.join(''))
  t.is(hashed.body.toString(), `${whole.length} ${sha256(whole)}`)
})

// ---- Fastify -----------------------------------------------------------------

function fastifyApp(target) {
  const options = { logger: false }
  if (target === 'mgnode') options.serverFactory = (handler) => createServer(handler)
  const fastify = Fastify(options)
  fastify.get('/items/:id', async (req, reply) => {
    reply.header('x-item', req.params.id)
    return { id: req.params.id, query: req.query }
  })
  fastify.get('/users/:user/posts/:post', (req, reply) => {
    reply.code(200).header('cache-control', 'no-store').send({ user: req.params.user, post: Number(req.params.post) })
  })
  fastify.post('/echo', async (req, reply) => {
    reply.code(201)
    return { received: req.body, type: req.headers['content-type'] }
  })
  fastify.get('/text', (req, reply) => {
    reply.type('text/plain; charset=utf-8').send('plain text')
  })
  fastify.get('/fail', async () => {
    throw new Error('deliberate')
  })
  return fastify
}

async function startFastify(t, target) {
  const fastify = fastifyApp(target)
  const address = await fastify.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => fastify.close())
  return { fastify, address, port: fastify.server.address().port }
}

both('fastify: listen() resolves an address on a server from the factory', async (t, target) => {
  const { fastify, address, port } = await startFastify(t, target)
  t.is(fastify.server instanceof MgnodeServer, target === 'mgnode')
  t.is(address, `http://127.0.0.1:${port}`)
  t.true(port > 0)
  t.deepEqual(fastify.server.address(), { address: '127.0.0.1', family: 'IPv4', port })
})

both('fastify: route params and query, JSON reply and reply.header', async (t, target) => {
  const { port } = await startFastify(t, target)
  const res = await request(port, { path: '/items/abc?limit=5' })
  t.is(res.status, 200)
  t.is(res.headers['content-type'], 'application/json; charset=utf-8')
  t.is(res.headers['x-item'], 'abc')
  t.deepEqual(JSON.parse(res.body), { id: 'abc', query: { limit: '5' } })
  t.is(res.headers['content-length'], String(res.body.length))

  const nested = await request(port, { path: '/users/ann/posts/12' })
  t.is(nested.headers['cache-control'], 'no-store')
  t.deepEqual(JSON.parse(nested.body), { user: 'ann', post: 12 })

  const text = await request(port, { path: '/text' })
  t.is(text.headers['content-type'], 'text/plain; charset=utf-8')
  t.is(text.body.toString(), 'plain text')
})

both('fastify: a POST JSON body is parsed; a malformed one is 400', async (t, target) => {
  const { port } = await startFastify(t, target)
  const payload = { name: 'zoë', tags: ['a', 'b'], n: 3.5, nested: { deep: [true, null] } }
  const text = JSON.stringify(payload)
  const res = await request(port, {
    path: '/echo',
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
    body: text,
  })
  t.is(res.status, 201)
  t.deepEqual(JSON.parse(res.body), { received: payload, type: 'application/json' })

  const bad = await request(port, {
    path: '/echo',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"unterminated": ',
  })
  t.is(bad.status, 400)
  t.is(JSON.parse(bad.body).statusCode, 400)
})

both('fastify: an unknown route is the JSON 404; a throwing handler is a JSON 500', async (t, target) => {
  const { port } = await startFastify(t, target)
  const res = await request(port, { path: '/nope' })
  t.is(res.status, 404)
  t.is(res.headers['content-type'], 'application/json; charset=utf-8')
  t.deepEqual(JSON.parse(res.body), { message: 'Route GET:/nope not found', error: 'Not Found', statusCode: 404 })
  const failed = await request(port, { path: '/fail' })
  t.is(failed.status, 500)
  t.deepEqual(JSON.parse(failed.body), { statusCode: 500, error: 'Internal Server Error', message: 'deliberate' })
  t.is((await request(port, { path: '/items/1' })).status, 200)
})

both('fastify: close() resolves, the onClose hook runs, and the port stops answering', async (t, target) => {
  const fastify = fastifyApp(target)
  let hookRan = false
  fastify.addHook('onClose', async () => {
    hookRan = true
  })
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  const port = fastify.server.address().port
  t.is((await request(port, { path: '/items/1' })).status, 200)
  // A keep-alive connection left idle: Fastify closes idle connections on close().
  const idle = await RawClient.connect(port)
  t.teardown(() => idle.destroy())
  await idle.write(requestHead('GET', '/items/2'))
  const first = await idle.readResponse()
  t.is(first.status, 200)
  t.is(first.header('connection'), 'keep-alive')
  let closeEvent = false
  fastify.server.once('close', () => (closeEvent = true))
  await t.notThrowsAsync(fastify.close())
  t.true(hookRan)
  t.true(closeEvent)
  t.true(await idle.waitForClose(3000), 'the idle keep-alive connection was left open')
  t.false(fastify.server.listening)
  const err = await t.throwsAsync(request(port, { path: '/items/1' }))
  t.is(err.code, 'ECONNREFUSED')
})
