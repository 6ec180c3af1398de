import test from 'ava'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'

import { createServer, sendFile } from '../dist/index.js'

const dir = mkdtempSync(join(tmpdir(), 'mgnode-sendfile-'))
const bigPath = join(dir, 'big.bin')
const big = randomBytes(6 * 1024 * 1024 + 123)
writeFileSync(bigPath, big)
const textPath = join(dir, 'hello.txt')
writeFileSync(textPath, 'hello file\n')
test.after.always(() => rmSync(dir, { recursive: true, force: true }))

const sha = (b) => createHash('sha256').update(b).digest('hex')

function request(port, { path = '/', method = 'GET', headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks = []
      res.on('data', (d) => chunks.push(d))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** Serves files through sendFile; `/missing` shows the rejection reaching the app. */
async function start(t, onServer) {
  const server = createServer((req, res) => {
    const file = req.url.startsWith('/big') ? bigPath : req.url.startsWith('/missing') ? join(dir, 'nope') : textPath
    sendFile(res, file, { maxAge: 60 }).catch((err) => {
      res.statusCode = err.code === 'ENOENT' ? 404 : 500
      res.end(err.code)
    })
  })
  onServer?.(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => new Promise((r) => server.close(r)))
  return server.address().port
}

test('a large file arrives whole with Content-Length, type and validators', async (t) => {
  const port = await start(t)
  const res = await request(port, { path: '/big' })
  t.is(res.status, 200)
  t.is(Number(res.headers['content-length']), big.length)
  t.is(res.headers['content-type'], 'application/octet-stream')
  t.is(res.headers['accept-ranges'], 'bytes')
  t.is(res.headers['cache-control'], 'public, max-age=60')
  t.truthy(res.headers.etag)
  t.truthy(res.headers['last-modified'])
  t.is(sha(res.body), sha(big))
  const text = await request(port, { path: '/hello.txt' })
  t.is(text.headers['content-type'], 'text/plain; charset=utf-8')
  t.is(text.body.toString(), 'hello file\n')
})

test('Range gives 206 with the exact bytes; an unsatisfiable range gives 416', async (t) => {
  const port = await start(t)
  const mid = await request(port, { path: '/big', headers: { range: 'bytes=1000-4999' } })
  t.is(mid.status, 206)
  t.is(mid.headers['content-range'], `bytes 1000-4999/${big.length}`)
  t.true(mid.body.equals(big.subarray(1000, 5000)))
  const tail = await request(port, { path: '/big', headers: { range: 'bytes=-10' } })
  t.is(tail.status, 206)
  t.true(tail.body.equals(big.subarray(big.length - 10)))
  const bad = await request(port, { path: '/big', headers: { range: `bytes=${big.length + 5}-` } })
  t.is(bad.status, 416)
  t.is(bad.headers['content-range'], `bytes */${big.length}`)
  t.is(bad.body.length, 0)
})

test('If-None-Match with the ETag gives 304 without a body; If-Range with another tag gives the whole file', async (t) => {
  const port = await start(t)
  const first = await request(port, { path: '/big' })
  const again = await request(port, { path: '/big', headers: { 'if-none-match': first.headers.etag } })
  t.is(again.status, 304)
  t.is(again.body.length, 0)
  const since = await request(port, { path: '/big', headers: { 'if-modified-since': first.headers['last-modified'] } })
  t.is(since.status, 304)
  const stale = await request(port, { path: '/big', headers: { range: 'bytes=0-9', 'if-range': 'W/"other"' } })
  t.is(stale.status, 200)
  t.is(stale.body.length, big.length)
})

test('HEAD gives the headers of GET and no body; a missing file rejects before anything is sent', async (t) => {
  const port = await start(t)
  const head = await request(port, { path: '/big', method: 'HEAD' })
  t.is(head.status, 200)
  t.is(Number(head.headers['content-length']), big.length)
  t.is(head.body.length, 0)
  const missing = await request(port, { path: '/missing' })
  t.is(missing.status, 404)
  t.is(missing.body.toString(), 'ENOENT')
})

test('keep-alive: requests after a file response on the same connection are answered', async (t) => {
  const port = await start(t)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  const ports = []
  for (let i = 0; i < 3; i++) {
    const res = await new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: i === 1 ? '/big' : '/hello.txt', agent }, (r) => {
          const chunks = []
          const localPort = r.socket.localPort
          r.on('data', (d) => chunks.push(d))
          r.on('end', () => resolve({ body: Buffer.concat(chunks), localPort }))
        })
        .on('error', reject)
    })
    ports.push(res.localPort)
    t.is(res.body.length, i === 1 ? big.length : 11)
  }
  t.is(new Set(ports).size, 1)
})

test('on plain node:http the same call streams the file', async (t) => {
  const server = http.createServer((req, res) => sendFile(res, bigPath))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const res = await request(server.address().port, { headers: { range: 'bytes=10-19' } })
  t.is(res.status, 206)
  t.true(res.body.equals(big.subarray(10, 20)))
})
