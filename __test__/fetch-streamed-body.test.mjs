// Fetch apps read a large or still-arriving request body as a stream:
// `request.body` yields parts as they come (not after the whole body), and
// text()/arrayBuffer() still work on one.
import test from 'ava'
import crypto from 'node:crypto'
import http from 'node:http'
import { Readable } from 'node:stream'

import { Server } from '../dist/index.js'
import { deferred, within } from './helpers/server.mjs'

const MiB = 1024 * 1024

async function serve(t, app) {
  const server = new Server(app, { maxBodySize: 1024 * MiB })
  t.teardown(() => server.close())
  const { localAddr } = await server.listen('http://127.0.0.1:0')
  return localAddr[1]
}

/** POSTs a body made of `parts` (strings, Buffers or promises of them, awaited in order), chunked. */
function post(port, parts, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent: false, headers }, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode, text }))
    })
    req.on('error', reject)
    Readable.from(
      (async function* () {
        for (const part of parts) yield await part
      })(),
    ).pipe(req)
  })
}

test('request.body streams: the app reads the first part while the client still holds back the rest', async (t) => {
  const firstRead = deferred()
  const port = await serve(t, {
    async fetch(request) {
      let bytes = 0
      for await (const chunk of request.body) {
        if (bytes === 0) firstRead.resolve()
        bytes += chunk.byteLength
      }
      return Response.json({ bytes, streamedBody: request.body !== null })
    },
  })
  // The second part is sent only once the app has read the first: a buffered body would never get there.
  const second = firstRead.promise.then(() => 'y'.repeat(1000))
  const res = await within(post(port, ['x'.repeat(1000), second]), 10_000, 'the app never saw the first part before the end')
  t.deepEqual(JSON.parse(res.text), { bytes: 2000, streamedBody: true })
})

test('a 256 MiB upload to a fetch app arrives whole through request.body, and text() reads a streamed body too', async (t) => {
  const port = await serve(t, {
    async fetch(request) {
      if (request.headers.get('x-read') === 'text') return new Response(String((await request.text()).length))
      const hash = crypto.createHash('sha256')
      let bytes = 0
      const reader = request.body.getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        bytes += value.byteLength
        hash.update(value)
      }
      return Response.json({ bytes, sha256: hash.digest('hex') })
    },
  })
  const block = crypto.randomBytes(MiB)
  const expected = crypto.createHash('sha256')
  const parts = []
  for (let i = 0; i < 256; i++) {
    parts.push(block)
    expected.update(block)
  }
  const res = await post(port, parts, { 'content-length': String(256 * MiB) })
  t.deepEqual(JSON.parse(res.text), { bytes: 256 * MiB, sha256: expected.digest('hex') })
  const text = await post(port, ['a'.repeat(300_000), 'b'.repeat(300_000)], { 'x-read': 'text' })
  t.is(text.text, '600000')
})
