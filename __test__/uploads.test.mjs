// Large uploads reach the app as they arrive, with the server's memory
// bounded: req.pipe() to a file or a counting sink, multer's disk storage
// and busboy, each in a server process of its own whose RSS is measured
// (under the preload, so through createServer; node:http's figure is logged
// beside it). 256 MiB per upload by default; MGNODE_BIG_UPLOADS=1 sends
// 2 GiB. Also: an app that stops reading halfway slows the client, and a
// client that leaves mid-upload gives the app node:http's events.
import test from 'ava'
import { once } from 'node:events'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'

import { both, listen, portOf } from './helpers/both.mjs'
import { startChild } from './helpers/child.mjs'
import { root, within } from './helpers/server.mjs'

const MiB = 1024 * 1024
const SIZE = process.env.MGNODE_BIG_UPLOADS === '1' ? 2048 * MiB : 256 * MiB
// Far below what holding the body would take (the upload is 256 MiB, or 2 GiB),
// with room for garbage not yet collected: Node 24's V8 lets more of it pile
// up than Node 20's (node:http itself grows by 59-84 MiB there, 2026-12-02).
const GROWTH_LIMIT = 96 * MiB
const fixture = fileURLToPath(new URL('./fixtures/upload-server.cjs', import.meta.url))
const register = path.join(root, 'register.js')

/** `size` bytes made on the fly (never held whole), between an optional prefix and suffix. */
function generated(size, prefix = '', suffix = '') {
  const block = Buffer.alloc(256 * 1024, 'upload-bytes ')
  let left = size
  return Readable.from(
    (function* () {
      if (prefix) yield Buffer.from(prefix)
      while (left > 0) {
        const n = Math.min(left, block.length)
        left -= n
        yield n === block.length ? block : block.subarray(0, n)
      }
      if (suffix) yield Buffer.from(suffix)
    })(),
  )
}

/** POSTs `size` bytes to /upload, as raw bytes or as one file of a multipart form. */
function upload(port, size, { multipart = false, headers = {} } = {}) {
  const boundary = '----mgnodeupload'
  const prefix = multipart ? `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n` : ''
  const suffix = multipart ? `\r\n--${boundary}--\r\n` : ''
  const length = prefix.length + size + suffix.length
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/upload',
        method: 'POST',
        agent: false,
        headers: {
          'content-length': length,
          'content-type': multipart ? `multipart/form-data; boundary=${boundary}` : 'application/octet-stream',
          ...headers,
        },
      },
      (res) => {
        let body = ''
        res.on('data', (d) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: body ? JSON.parse(body) : null }))
      },
    )
    req.on('error', reject)
    generated(size, prefix, suffix).pipe(req)
  })
}

async function getJson(port, method, p) {
  const res = await fetch(`http://127.0.0.1:${port}${p}`, { method })
  return method === 'GET' ? res.json() : null
}

/** Starts the upload server (on mgnode with the preload), warms it up, and measures one upload of SIZE bytes. */
async function measure(t, mode, { preload = true } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgnode-upload-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const args = [...(preload ? ['-r', register] : []), '--expose-gc', fixture, mode, dir]
  const server = await startChild(t, args, { ready: /^(\{.*\})$/m, timeoutMs: 240_000 })
  const { port } = JSON.parse(server.match[1])
  const multipart = mode === 'multer' || mode === 'busboy'
  // Warm-up: modules loaded, buffers made, before the baseline is taken.
  await upload(port, 8 * MiB, { multipart })
  await getJson(port, 'POST', '/reset')
  const result = await upload(port, SIZE, { multipart })
  const stats = await getJson(port, 'GET', '/stats')
  server.child.kill('SIGKILL')
  return { result, stats, growth: stats.peak - stats.baseline }
}

const mib = (n) => `${(n / MiB).toFixed(1)} MiB`

for (const mode of ['pipe', 'count', 'multer', 'busboy']) {
  const what = { pipe: 'req.pipe(fs.createWriteStream)', count: 'req.pipe(a counting Writable)', multer: "multer's disk storage", busboy: 'busboy file streams to disk' }[mode]
  test.serial(`a ${mib(SIZE)} upload through ${what}: all bytes arrive, the server's RSS grows by less than ${mib(GROWTH_LIMIT)}`, async (t) => {
    const mg = await measure(t, mode)
    t.is(mg.result.status, 200)
    t.is(mg.result.body.bytes, SIZE)
    t.is(mg.stats.socket, 'EngineSocket')
    const node = process.env.MGNODE_UPLOAD_COMPARE === '1' ? await measure(t, mode, { preload: false }) : null
    t.log(`${mode}: mgnode RSS +${mib(mg.growth)} (baseline ${mib(mg.stats.baseline)})${node ? `; node:http +${mib(node.growth)}` : ''}`)
    t.true(mg.growth < GROWTH_LIMIT, `RSS grew by ${mib(mg.growth)}`)
  })
}

test.serial('an app that stops reading halfway slows the client, not its own memory', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgnode-upload-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const server = await startChild(t, ['-r', register, '--expose-gc', fixture, 'stall', dir], { ready: /^(\{.*\})$/m })
  const { port } = JSON.parse(server.match[1])
  await getJson(port, 'POST', '/reset')
  const size = 256 * MiB
  // Counts what the client manages to send while the app is not reading.
  const body = generated(size)
  let sent = 0
  body.on('data', (d) => (sent += d.length))
  const started = Date.now()
  const sentAt = []
  const ticker = setInterval(() => sentAt.push([Date.now() - started, sent]), 100)
  const done = new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/upload', method: 'POST', agent: false, headers: { 'content-length': size, 'x-stall-ms': '1500' } },
      (res) => {
        let text = ''
        res.on('data', (d) => (text += d))
        res.on('end', () => resolve({ stalledAt: Number(res.headers['x-stalled-at']), bytes: JSON.parse(text).bytes }))
      },
    )
    req.on('error', reject)
    body.pipe(req)
  })
  const result = await within(done, 60_000, 'the upload never finished')
  clearInterval(ticker)
  const stats = await getJson(port, 'GET', '/stats')
  t.is(result.bytes, size)
  // While the app did not read (about 0.2 s to 1.5 s after its half), the client got little further.
  const stallStart = sentAt.find(([, n]) => n >= result.stalledAt)?.[0] ?? 0
  const during = sentAt.filter(([ms]) => ms > stallStart + 200 && ms < stallStart + 1300).map(([, n]) => n)
  const moved = during.length > 1 ? during[during.length - 1] - during[0] : 0
  t.log(`stalled at ${mib(result.stalledAt)}; the client sent ${mib(moved)} more meanwhile; server RSS +${mib(stats.peak - stats.baseline)}`)
  t.true(during.length > 1, 'the stall was not seen by the client')
  t.true(moved < 16 * MiB, `the client sent ${mib(moved)} while the app was not reading`)
  t.true(stats.peak - stats.baseline < GROWTH_LIMIT, `RSS grew by ${mib(stats.peak - stats.baseline)}`)
})

both("a client that leaves mid-upload: 'aborted', the response's 'close', then 'error' (ECONNRESET) and 'close' on req, as node:http orders them", async (t, target) => {
  const events = []
  let closed
  const settled = new Promise((resolve) => (closed = resolve))
  const server = await listen(t, target, (req, res) => {
    let bytes = 0
    req.on('data', (d) => {
      if (bytes === 0) events.push('data')
      bytes += d.length
    })
    req.on('aborted', () => events.push('aborted'))
    req.on('error', (err) => events.push(`error ${err.code} ${err.message}`))
    req.on('end', () => events.push('end'))
    req.on('close', () => events.push(`req close complete=${req.complete}`))
    res.on('close', () => {
      events.push(`res close finished=${res.writableFinished}`)
      setTimeout(closed, 50)
    })
  })
  const socket = (await import('node:net')).connect(portOf(server), '127.0.0.1')
  await once(socket, 'connect')
  socket.write('POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n')
  socket.write(Buffer.alloc(2 * MiB, 1))
  setTimeout(() => socket.destroy(), 200)
  await within(settled, 5000, 'the app never heard the client leave')
  t.deepEqual(events, ['data', 'aborted', 'res close finished=false', 'error ECONNRESET aborted', 'req close complete=false'])
})
