// Koa 3 apps on mgnode, checked against the same app on node:http.
import test from 'ava'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { once } from 'node:events'
import { Readable } from 'node:stream'

import Koa from 'koa'
import Router from '@koa/router'

import { Server } from '../dist/index.js'
import { sha256 } from './helpers/server.mjs'
import { request } from './helpers/http-client.mjs'

/** Serves `app` (a Koa app) on mgnode or on node:http; returns the port. */
async function start(t, target, app) {
  if (target === 'mgnode') {
    const server = new Server(app)
    t.teardown(() => server.close())
    const { localAddr } = await server.listen('http://127.0.0.1:0')
    return localAddr[1]
  }
  const server = http.createServer(app.callback())
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => new Promise((r) => server.close(r)))
  return server.address().port
}

const targets = ['mgnode', 'node:http']

/** Runs `fn(t, target)` as one test per target, so a difference shows which side it is on. */
function both(title, fn) {
  for (const target of targets) test(`${title} [${target}]`, (t) => fn(t, target))
}

function bodiesApp() {
  const app = new Koa()
  app.use(async (ctx) => {
    switch (ctx.path) {
      case '/string':
        ctx.body = 'hello koa'
        break
      case '/html':
        ctx.body = '<p>hi</p>'
        break
      case '/json':
        ctx.body = { ok: true, list: [1, 2, 3], name: 'zoë' }
        break
      case '/buffer':
        ctx.body = Buffer.from([0, 1, 2, 253, 254, 255])
        break
      case '/stream':
        ctx.type = 'text/plain'
        ctx.body = Readable.from(['alpha-', 'beta-', 'gamma'])
        break
      case '/big-stream': {
        // 4 MiB in 64 KiB chunks, produced lazily so backpressure matters.
        let i = 0
        ctx.body = new Readable({
          read() {
            this.push(i < 64 ? Buffer.alloc(64 * 1024, i++ & 0xff) : null)
          },
        })
        break
      }
      default:
        break // Koa's own 404
    }
  })
  return app
}

both('ctx.body as a string: text/plain with Content-Length; "<" strings are text/html', async (t, target) => {
  const port = await start(t, target, bodiesApp())
  const res = await request(port, { path: '/string' })
  t.is(res.status, 200)
  t.is(res.headers['content-type'], 'text/plain; charset=utf-8')
  t.is(res.headers['content-length'], '9')
  t.is(res.body.toString(), 'hello koa')
  const html = await request(port, { path: '/html' })
  t.is(html.headers['content-type'], 'text/html; charset=utf-8')
  t.is(html.body.toString(), '<p>hi</p>')
})

both('ctx.body as an object: application/json with the exact UTF-8 length', async (t, target) => {
  const port = await start(t, target, bodiesApp())
  const res = await request(port, { path: '/json' })
  t.is(res.status, 200)
  t.is(res.headers['content-type'], 'application/json; charset=utf-8')
  const text = JSON.stringify({ ok: true, list: [1, 2, 3], name: 'zoë' })
  t.is(res.headers['content-length'], String(Buffer.byteLength(text)))
  t.is(res.body.toString('utf8'), text)
  t.deepEqual(JSON.parse(res.body), { ok: true, list: [1, 2, 3], name: 'zoë' })
})

both('ctx.body as a Buffer: application/octet-stream, bytes unchanged', async (t, target) => {
  const port = await start(t, target, bodiesApp())
  const res = await request(port, { path: '/buffer' })
  t.is(res.status, 200)
  t.is(res.headers['content-type'], 'application/octet-stream')
  t.is(res.headers['content-length'], '6')
  t.deepEqual([...res.body], [0, 1, 2, 253, 254, 255])
})

both('ctx.body as a Readable: chunked, with the type set, whole body', async (t, target) => {
  const port = await start(t, target, bodiesApp())
  const res = await request(port, { path: '/stream' })
  t.is(res.status, 200)
  t.is(res.headers['content-type'], 'text/plain; charset=utf-8')
  t.is(res.headers['transfer-encoding'], 'chunked')
  t.is(res.headers['content-length'], undefined)
  t.is(res.body.toString(), 'alpha-beta-gamma')

  const big = await request(port, { path: '/big-stream' })
  t.is(big.headers['content-type'], 'application/octet-stream')
  t.is(big.body.length, 4 * 1024 * 1024)
  const expected = Buffer.concat(Array.from({ length: 64 }, (_, i) => Buffer.alloc(64 * 1024, i)))
  t.is(sha256(big.body), sha256(expected))
})

both('an unknown path is Koa’s 404 "Not Found"', async (t, target) => {
  const port = await start(t, target, bodiesApp())
  const res = await request(port, { path: '/nothing-here' })
  t.is(res.status, 404)
  t.is(res.body.toString(), 'Not Found')
})

both('middleware runs downstream then upstream; headers set before and after next() are sent', async (t, target) => {
  const app = new Koa()
  const order = []
  app.use(async (ctx, next) => {
    // The classic response-time middleware wraps everything below it.
    const started = Date.now()
    await next()
    ctx.set('x-response-time', `${Date.now() - started}ms`)
  })
  app.use(async (ctx, next) => {
    order.push('a:in')
    ctx.set('x-a-before', '1')
    await next()
    order.push('a:out')
    // Set after the inner middleware finished: Koa responds only after this returns.
    ctx.set('x-a-after', ctx.body.toUpperCase())
  })
  app.use(async (ctx, next) => {
    order.push('b:in')
    await new Promise((r) => setTimeout(r, 5))
    await next()
    order.push('b:out')
    ctx.body += '+b'
  })
  app.use((ctx) => {
    order.push('handler')
    ctx.body = 'core'
  })
  const port = await start(t, target, app)
  const res = await request(port)
  t.deepEqual(order, ['a:in', 'b:in', 'handler', 'b:out', 'a:out'])
  t.is(res.status, 200)
  t.is(res.headers['x-a-before'], '1')
  t.is(res.headers['x-a-after'], 'CORE+B')
  t.regex(res.headers['x-response-time'], /^\d+ms$/)
  t.is(res.body.toString(), 'core+b')
})

function errorApp(errors) {
  const app = new Koa()
  app.silent = true // keep the 500's stack out of the test output; 'error' still fires
  app.on('error', (err) => errors.push(err))
  app.use(async (ctx) => {
    if (ctx.path === '/teapot') ctx.throw(418, 'teapot')
    if (ctx.path === '/boom') throw new Error('deliberate failure')
    if (ctx.path === '/async-boom') {
      await new Promise((r) => setTimeout(r, 5))
      throw new Error('deliberate async failure')
    }
    ctx.body = 'fine'
  })
  return app
}

both('ctx.throw(418, "teapot") answers 418 with the message', async (t, target) => {
  const errors = []
  const port = await start(t, target, errorApp(errors))
  const res = await request(port, { path: '/teapot' })
  t.is(res.status, 418)
  t.is(res.body.toString(), 'teapot')
  t.is(res.headers['content-type'], 'text/plain; charset=utf-8')
  t.is(errors.length, 1)
  t.is(errors[0].status, 418)
})

both('an uncaught throw answers 500, the app hears it, and the server goes on serving', async (t, target) => {
  const errors = []
  const port = await start(t, target, errorApp(errors))
  const res = await request(port, { path: '/boom' })
  t.is(res.status, 500)
  t.is(res.body.toString(), 'Internal Server Error')
  const late = await request(port, { path: '/async-boom' })
  t.is(late.status, 500)
  t.deepEqual(
    errors.map((e) => e.message),
    ['deliberate failure', 'deliberate async failure'],
  )
  for (let i = 0; i < 3; i++) {
    const ok = await request(port, { path: '/' })
    t.is(ok.status, 200)
    t.is(ok.body.toString(), 'fine')
  }
})

function routerApp() {
  const app = new Koa()
  const router = new Router()
  router.get('/users/:id/books/:book', (ctx) => {
    ctx.body = { params: ctx.params, query: ctx.query }
  })
  router.post('/users/:id', (ctx) => {
    ctx.status = 201
    ctx.body = `created ${ctx.params.id}`
  })
  app.use(router.routes())
  app.use(router.allowedMethods())
  return app
}

both('@koa/router: params and query reach the route; POST route 201; wrong method 405 with Allow', async (t, target) => {
  const port = await start(t, target, routerApp())
  const res = await request(port, { path: '/users/42/books/dune%20messiah?x=1&y=two' })
  t.is(res.status, 200)
  t.deepEqual(JSON.parse(res.body), { params: { id: '42', book: 'dune messiah' }, query: { x: '1', y: 'two' } })
  const created = await request(port, { path: '/users/7', method: 'POST' })
  t.is(created.status, 201)
  t.is(created.body.toString(), 'created 7')
  const wrong = await request(port, { path: '/users/7', method: 'DELETE' })
  t.is(wrong.status, 405)
  t.is(wrong.headers.allow, 'POST')
  const missing = await request(port, { path: '/users' })
  t.is(missing.status, 404)
})

function echoApp() {
  const app = new Koa()
  app.use(async (ctx) => {
    // Read the body straight from the Node request, as body parsers do.
    const chunks = []
    for await (const chunk of ctx.req) chunks.push(chunk)
    const body = Buffer.concat(chunks)
    ctx.body = {
      length: body.length,
      sha: sha256(body),
      type: ctx.get('content-type'),
      method: ctx.method,
      complete: ctx.req.complete,
    }
  })
  return app
}

both('a POST body read by streaming ctx.req arrives whole (Content-Length and chunked)', async (t, target) => {
  const port = await start(t, target, echoApp())
  const payload = randomBytes(1024 * 1024 + 17)
  const res = await request(port, {
    method: 'POST',
    path: '/upload',
    headers: { 'content-type': 'application/octet-stream', 'content-length': payload.length },
    body: payload,
  })
  t.is(res.status, 200)
  t.deepEqual(JSON.parse(res.body), {
    length: payload.length,
    sha: sha256(payload),
    type: 'application/octet-stream',
    method: 'POST',
    complete: true,
  })

  const parts = [Buffer.from('first,'), Buffer.from('second,'), Buffer.from('third')]
  const chunked = await request(port, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: parts })
  const whole = Buffer.concat(parts)
  t.deepEqual(JSON.parse(chunked.body), {
    length: whole.length,
    sha: sha256(whole),
    type: 'text/plain',
    method: 'PUT',
    complete: true,
  })
})

both('ctx.request reflects the connection: protocol, host, ip, href', async (t, target) => {
  const app = new Koa()
  app.use((ctx) => {
    ctx.body = { protocol: ctx.protocol, secure: ctx.secure, host: ctx.host, ip: ctx.ip, href: ctx.href }
  })
  const port = await start(t, target, app)
  const res = await request(port, { path: '/a/b?c=d' })
  const info = JSON.parse(res.body)
  t.is(info.protocol, 'http')
  t.false(info.secure)
  t.is(info.host, `127.0.0.1:${port}`)
  t.regex(info.ip, /^(::ffff:)?127\.0\.0\.1$/)
  t.is(info.href, `http://127.0.0.1:${port}/a/b?c=d`)
})
