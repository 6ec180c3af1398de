// Every program in examples/, run as a user runs it (`node examples/<file>`,
// where `require('mgnode')` resolves to this package through its own
// `exports`), on a free port (PORT=0): it must print its URL, answer a real
// request, and exit with code 0 on SIGTERM. Serial: each is a process of its
// own, and the machine may have two cores.
import test from 'ava'
import { once } from 'node:events'
import fs from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { startChild } from './helpers/child.mjs'
import { ask, openWebSocket } from './helpers/websocket.mjs'
import { within } from './helpers/server.mjs'
import { selfSigned } from './helpers/tls.mjs'

const examples = fileURLToPath(new URL('../examples/', import.meta.url))
const READY = /listening on (https?):\/\/127\.0\.0\.1:(\d+)/

/** Starts an example; resolves with its base URL, its port and a `stop()` that asserts a clean exit. */
async function start(t, file, env = {}) {
  const { match, child, exited, out } = await startChild(t, [path.join(examples, file)], { ready: READY, env: { PORT: '0', ...env } })
  const port = Number(match[2])
  t.true(port > 0, 'the printed port is the real one')
  const stop = async () => {
    child.kill('SIGTERM')
    const result = await within(exited, 15_000, `${file} did not exit after SIGTERM`)
    t.is(result.signal, null, `${file} was killed by a signal; stderr: ${result.stderr}`)
    t.is(result.code, 0, `${file} exited with ${result.code}; stderr: ${result.stderr}`)
    return result
  }
  return { url: `${match[1]}://127.0.0.1:${port}`, port, out, stop }
}

/** One request on a fresh connection: status, headers and the whole body. */
function request(url, { method = 'GET', headers = {}, body, ca } = {}) {
  const client = url.startsWith('https:') ? https : http
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method, headers, agent: false, ca }, (res) => {
      const chunks = []
      res.on('data', (d) => chunks.push(d))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

const json = (res) => JSON.parse(res.body.toString())

test.serial('express.js: routes, JSON bodies, and a clean stop on SIGTERM', async (t) => {
  const app = await start(t, 'express.js')
  const home = await request(`${app.url}/`)
  t.is(home.status, 200)
  t.is(home.body.toString(), 'Hello from Express on mgnode\n')
  t.deepEqual(json(await request(`${app.url}/users/42`)), { id: '42' })
  const echoed = await request(`${app.url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":[1,2]}' })
  t.deepEqual(json(echoed), { received: { a: [1, 2] } })
  await app.stop()
})

test.serial('koa.js: a Koa app on Server, which says when it stopped', async (t) => {
  const app = await start(t, 'koa.js')
  t.deepEqual(json(await request(`${app.url}/some/path`, { method: 'DELETE' })), { hello: 'Koa', method: 'DELETE', path: '/some/path' })
  const { stdout } = await app.stop()
  t.regex(stdout, /^stopped$/m)
})

test.serial('fastify.js: Fastify through serverFactory and createServer', async (t) => {
  const app = await start(t, 'fastify.js')
  t.deepEqual(json(await request(`${app.url}/`)), { hello: 'Fastify' })
  t.deepEqual(json(await request(`${app.url}/items/7`)), { id: '7' })
  t.is((await request(`${app.url}/nowhere`)).status, 404)
  const { stdout } = await app.stop()
  t.regex(stdout, /^stopped$/m)
})

test.serial('hono.mjs: a fetch app from an ES module, with named imports of mgnode', async (t) => {
  const app = await start(t, 'hono.mjs')
  t.is((await request(`${app.url}/`)).body.toString(), 'Hello from Hono on mgnode\n')
  t.deepEqual(json(await request(`${app.url}/hi/ann`)), { hi: 'ann' })
  const echoed = await request(`${app.url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' })
  t.deepEqual(json(echoed), { received: { n: 1 } })
  await app.stop()
})

test.serial('listener.js: a plain (req, res) listener reads the request body', async (t) => {
  const app = await start(t, 'listener.js')
  const body = Buffer.alloc(300 * 1024, 'x') // over 256 KiB: it streams to the listener
  t.deepEqual(json(await request(`${app.url}/upload?x=1`, { method: 'PUT', body })), { method: 'PUT', url: '/upload?x=1', bodyBytes: body.length })
  const { stdout } = await app.stop()
  t.regex(stdout, /^stopped$/m)
})

test.serial('workers/server.js: the app module answers from a worker thread', async (t) => {
  const app = await start(t, 'workers/server.js')
  const ids = /\(workers: ([\d, ]+)\)/.exec(app.out.stdout)[1].split(', ').map(Number)
  t.is(ids.length, 2)
  const answer = json(await request(`${app.url}/`))
  t.is(answer.hello, 'from a worker')
  t.true(ids.includes(answer.threadId), `answered by thread ${answer.threadId}, workers are ${ids}`)
  await app.stop()
})

test.serial('tls/server.js: HTTPS with the certificate and key named by TLS_CERT and TLS_KEY', async (t) => {
  const { cert, key } = selfSigned('p256')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgnode-example-tls-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  fs.writeFileSync(path.join(dir, 'cert.pem'), cert)
  fs.writeFileSync(path.join(dir, 'key.pem'), key)
  const app = await start(t, 'tls/server.js', { TLS_CERT: path.join(dir, 'cert.pem'), TLS_KEY: path.join(dir, 'key.pem') })
  t.true(app.url.startsWith('https://'))
  const answer = await request(`${app.url}/`, { ca: cert })
  t.deepEqual(json(answer), { encrypted: true, protocol: 'TLSv1.3' })
  await app.stop()
})

test.serial('send-file.js: the whole file, a range of it, and 304 for a fresh copy', async (t) => {
  const file = fs.readFileSync(path.join(examples, 'send-file.js'))
  const app = await start(t, 'send-file.js')
  const whole = await request(`${app.url}/`)
  t.is(whole.status, 200)
  t.true(whole.body.equals(file))
  t.is(whole.headers['content-type'], 'text/plain; charset=utf-8')
  t.is(whole.headers['cache-control'], 'public, max-age=60')
  const part = await request(`${app.url}/`, { headers: { range: 'bytes=10-109' } })
  t.is(part.status, 206)
  t.is(part.headers['content-range'], `bytes 10-109/${file.length}`)
  t.true(part.body.equals(file.subarray(10, 110)))
  const fresh = await request(`${app.url}/`, { headers: { 'if-none-match': whole.headers.etag } })
  t.is(fresh.status, 304)
  t.is(fresh.body.length, 0)
  t.is((await request(`${app.url}/other`)).status, 404)
  await app.stop()
})

test.serial('manager.js: whole, streamed and echoed responses on the Manager API', async (t) => {
  const app = await start(t, 'manager.js')
  t.is((await request(`${app.url}/x?y`)).body.toString(), 'hello from GET /x?y\n')
  const streamed = await request(`${app.url}/stream`)
  t.is(streamed.body.toString(), 'line 1\nline 2\nline 3\nline 4\nline 5\n')
  for (const size of [10, 400 * 1024]) {
    const body = Buffer.alloc(size, 'b')
    const echoed = await request(`${app.url}/echo`, { method: 'POST', body })
    t.true(echoed.body.equals(body), `a ${size}-byte body comes back`)
  }
  // Over its maxBodySize (1 MiB): the engine refuses it from the Content-Length, before any body.
  t.is((await request(`${app.url}/echo`, { method: 'POST', headers: { 'content-length': String(2 << 20) } })).status, 413)
  const { stdout } = await app.stop()
  t.regex(stdout, /^stopped$/m)
})

test.serial('graceful-shutdown.js: a request in flight at SIGTERM is still answered, with Connection: close', async (t) => {
  const app = await start(t, 'graceful-shutdown.js', { SLOW_MS: '2000' })
  t.is((await request(`${app.url}/`)).body.toString(), 'ok\n')
  const slow = request(`${app.url}/slow`)
  // Long enough for the request to reach its handler; it then has 1.2 s to go.
  await new Promise((resolve) => setTimeout(resolve, 800))
  const stopped = app.stop()
  const answer = await slow
  t.is(answer.status, 200)
  t.is(answer.body.toString(), 'finished the slow work\n')
  t.is(answer.headers.connection, 'close')
  const { stdout } = await stopped
  t.regex(stdout, /SIGTERM: finishing 1 request\(s\) in flight/)
  t.regex(stdout, /^stopped$/m)
})

test.serial('websocket.js: ws on createServer echoes, and SIGTERM closes the socket with 1001', async (t) => {
  const app = await start(t, 'websocket.js')
  t.is((await request(`${app.url}/`)).status, 200)
  const ws = await openWebSocket(t, `ws://127.0.0.1:${app.port}/`)
  t.is(await ask(ws, 'hello'), 'hello')
  t.is(await ask(ws, 'again'), 'again')
  const closed = once(ws, 'close')
  const { stdout } = await app.stop()
  const [code] = await within(closed, 5000, 'the WebSocket was not closed')
  t.is(code, 1001)
  t.regex(stdout, /^stopped$/m)
})

test.serial("websocket-workers/server.js: the module's upgrade export serves WebSockets on a worker", async (t) => {
  const app = await start(t, 'websocket-workers/server.js')
  const http = json(await request(`${app.url}/`))
  t.true(http.threadId > 0, 'HTTP is answered by a worker thread')
  const ws = await openWebSocket(t, `ws://127.0.0.1:${app.port}/`)
  const first = JSON.parse(await ask(ws, 'one'))
  const second = JSON.parse(await ask(ws, 'two'))
  t.is(first.echo, 'one')
  t.is(second.echo, 'two')
  t.true(first.threadId > 0)
  t.is(second.threadId, first.threadId, 'a connection stays on one worker')
  // Still open at SIGTERM: closed once shutdownTimeout (2 s) has run out.
  const closed = once(ws, 'close')
  await app.stop()
  await within(closed, 5000, 'the WebSocket was not closed')
})
