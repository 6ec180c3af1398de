// The Windows smoke test, run by scripts/test-wine.mjs with Node for Windows
// under Wine: mgnode's Windows build (NAPI_RS_NATIVE_LIBRARY_PATH) listens,
// answers and closes as node:http would. Prints one line per check and a
// closing "N passed, N failed" line; exits non-zero if any check failed.
'use strict'

const assert = require('node:assert/strict')
const fs = require('node:fs')
const http = require('node:http')
const https = require('node:https')
const net = require('node:net')
const path = require('node:path')

const mgnode = require(path.join(__dirname, '..', '..', 'dist', 'index.js'))
const express = require('express')

/** One request with node:http's client; resolves with status, headers, body and whether the socket was reused. */
function request(options, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(options, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), reused: req.reusedSocket }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** Listens on `port` (0: any) and host; resolves with the server once listening, rejects on 'error'. */
function listen(server, ...args) {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(...args, () => resolve(server))
  })
}

const close = (server) => new Promise((resolve) => server.close(() => resolve()))

const checks = []
const check = (name, fn) => checks.push({ name, fn })

const big = Buffer.alloc(8 * 1024 * 1024, 'w')
const app = (req, res) => {
  if (req.url === '/big') return res.end(big)
  if (req.method === 'POST') {
    let n = 0
    req.on('data', (c) => (n += c.length))
    req.on('end', () => res.end(`got ${n}`))
    return
  }
  res.setHeader('X-Engine', 'mgnode')
  res.end(`hello ${req.url}`)
}

check('listen() with no host takes IPv6 and IPv4 ([::] is dual-stack)', async () => {
  const server = await listen(mgnode.createServer(app), 0)
  try {
    assert.equal(server.address().address, '::')
    const port = server.address().port
    for (const host of ['127.0.0.1', '::1']) {
      const r = await request({ host, port, path: `/from-${host}` })
      assert.equal(r.status, 200)
      assert.equal(r.headers['x-engine'], 'mgnode')
      assert.equal(r.body.toString(), `hello /from-${host}`)
    }
  } finally {
    await close(server)
  }
})

check('a 1 MiB request body reaches the handler', async () => {
  const server = await listen(mgnode.createServer(app), 0, '127.0.0.1')
  try {
    const r = await request({ host: '127.0.0.1', port: server.address().port, method: 'POST', path: '/' }, Buffer.alloc(1 << 20, 'b'))
    assert.equal(r.body.toString(), `got ${1 << 20}`)
  } finally {
    await close(server)
  }
})

check('an 8 MiB response arrives whole (gathered writes, waits for the socket)', async () => {
  const server = await listen(mgnode.createServer(app), 0, '127.0.0.1')
  try {
    const r = await request({ host: '127.0.0.1', port: server.address().port, path: '/big' })
    assert.equal(r.body.length, big.length)
    assert.ok(r.body.equals(big))
  } finally {
    await close(server)
  }
})

check('keep-alive: 20 requests on one connection', async () => {
  const server = await listen(mgnode.createServer(app), 0, '127.0.0.1')
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  try {
    const port = server.address().port
    const reused = []
    for (let i = 0; i < 20; i++) {
      const r = await request({ host: '127.0.0.1', port, path: `/${i}`, agent })
      assert.equal(r.body.toString(), `hello /${i}`)
      reused.push(r.reused)
    }
    assert.deepEqual(reused, [false, ...Array(19).fill(true)])
  } finally {
    agent.destroy()
    await close(server)
  }
})

check('three pipelined requests are answered in order', async () => {
  const server = await listen(mgnode.createServer(app), 0, '127.0.0.1')
  try {
    const text = await new Promise((resolve, reject) => {
      const socket = net.connect(server.address().port, '127.0.0.1', () => {
        socket.write(['/a', '/b', '/c'].map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join('') + 'GET /d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
      })
      let data = ''
      socket.on('data', (c) => (data += c))
      socket.on('end', () => resolve(data))
      socket.on('error', reject)
    })
    assert.deepEqual(text.match(/hello \/[a-d]/g), ['hello /a', 'hello /b', 'hello /c', 'hello /d'])
  } finally {
    await close(server)
  }
})

check('an Express app answers', async () => {
  const e = express()
  e.get('/users/:id', (req, res) => res.json({ id: req.params.id }))
  const server = await listen(mgnode.createServer(e), 0, '127.0.0.1')
  try {
    const r = await request({ host: '127.0.0.1', port: server.address().port, path: '/users/7' })
    assert.equal(r.status, 200)
    assert.deepEqual(JSON.parse(r.body), { id: '7' })
  } finally {
    await close(server)
  }
})

check('HTTPS (rustls): TLS 1.3, two requests on one connection', async () => {
  const dir = process.env.MGNODE_SMOKE_TLS_DIR
  assert.ok(dir, 'MGNODE_SMOKE_TLS_DIR is not set: run this through scripts/test-wine.mjs')
  const tls = { cert: fs.readFileSync(path.join(dir, 'cert.pem')), key: fs.readFileSync(path.join(dir, 'key.pem')) }
  const server = await listen(mgnode.createServer(tls, (req, res) => res.end(`${req.socket.getProtocol()} ${req.url}`)), 0, '127.0.0.1')
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false })
  try {
    const get = (p) =>
      new Promise((resolve, reject) => {
        const req = https.get({ host: '127.0.0.1', port: server.address().port, path: p, agent }, (res) => {
          const chunks = []
          res.on('data', (c) => chunks.push(c))
          res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString(), reused: req.reusedSocket }))
        })
        req.on('error', reject)
      })
    const first = await get('/one')
    const second = await get('/two')
    assert.deepEqual([first.status, first.body], [200, 'TLSv1.3 /one'])
    assert.deepEqual([second.status, second.body, second.reused], [200, 'TLSv1.3 /two', true])
  } finally {
    agent.destroy()
    await close(server)
  }
})

check('a port in use gives EADDRINUSE', async () => {
  const first = await listen(mgnode.createServer(app), 0, '127.0.0.1')
  try {
    const err = await listen(mgnode.createServer(app), first.address().port, '127.0.0.1').then(
      () => null,
      (e) => e,
    )
    assert.ok(err, 'the second listen succeeded')
    assert.equal(err.code, 'EADDRINUSE')
  } finally {
    await close(first)
  }
})

check('close() stops listening: the port then refuses connections', async () => {
  const server = await listen(mgnode.createServer(app), 0, '127.0.0.1')
  const port = server.address().port
  assert.equal((await request({ host: '127.0.0.1', port, path: '/' })).status, 200)
  let closed = false
  server.on('close', () => (closed = true))
  await close(server)
  assert.ok(closed, "no 'close' event")
  const err = await request({ host: '127.0.0.1', port, path: '/', agent: false }).then(() => null, (e) => e)
  assert.equal(err && err.code, 'ECONNREFUSED')
})

;(async () => {
  let passed = 0
  let failed = 0
  for (const { name, fn } of checks) {
    try {
      await fn()
      passed++
      console.log(`ok - ${name}`)
    } catch (err) {
      failed++
      console.log(`not ok - ${name}: ${err && err.stack ? err.stack : err}`)
    }
  }
  console.log(`${passed} passed, ${failed} failed`)
  process.exitCode = failed ? 1 : 0
})()
