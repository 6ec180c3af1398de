// Shared set-up for the fetch-adapter tests: serve a fetch app on a Manager
// (closed on teardown), or on @hono/node-server for side-by-side checks.
import { createRequire } from 'node:module'
import path from 'node:path'
import { Manager, root } from './server.mjs'

const require = createRequire(import.meta.url)
const fetchApi = require(path.join(root, 'dist', 'fetch', 'index.js'))
const mgnode = require(path.join(root, 'dist', 'index.js'))

/** The fetch-adapter exports, from the package index once it re-exports them. */
export const fetchHandler = mgnode.fetchHandler ?? fetchApi.fetchHandler
export const isFetchApp = mgnode.isFetchApp ?? fetchApi.isFetchApp
export const markFetch = mgnode.markFetch ?? fetchApi.markFetch

/** Serve `app` through `fetchHandler(app, fetchOptions)`; returns { port, base, mgr }. */
export async function serveFetch(t, app, { fetchOptions, listenOptions, url = 'http://127.0.0.1:0' } = {}) {
  const mgr = new Manager()
  t.teardown(() => mgr.close())
  const info = await mgr.listen(url, fetchHandler(app, fetchOptions), listenOptions)
  const port = info.localAddr[1]
  return { port, base: `${url.split(':')[0]}://127.0.0.1:${port}`, mgr }
}

/** Serve `app.fetch` on @hono/node-server without touching the globals; returns { port, base }. */
export async function serveNodeServer(t, app) {
  const { serve } = require('@hono/node-server')
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', overrideGlobalObjects: false })
  await new Promise((resolve) => (server.listening ? resolve() : server.once('listening', resolve)))
  t.teardown(
    () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections?.()
      }),
  )
  const port = server.address().port
  return { port, base: `http://127.0.0.1:${port}` }
}

/**
 * Captures console.error calls until `restore()`: `seen` holds each call as
 * text (stacks for errors, with `[code]` when there is one).
 */
export function captureErrors() {
  const original = console.error
  const seen = []
  console.error = (...args) => {
    seen.push(args.map((a) => (a instanceof Error ? (a.code ? `[${a.code}] ` : '') + a.stack : String(a))).join(' '))
  }
  return {
    seen,
    restore() {
      console.error = original
    },
  }
}

/** True where Node's Response keeps what its body was made from private (Node 24 and later). */
export const SOURCE_HIDDEN = require(path.join(root, 'dist', 'fetch', 'response-source.js')).SOURCE_HIDDEN

/** Node's own Response, captured before any test installs the fast one. */
export const NodeResponse = globalThis.Response

/**
 * Response bodies of every kind the adapter must send. `make(R)` builds the
 * response with the constructor `R`, so the same case gives the reference
 * answer from Node's own Response and the served one from the global.
 */
export const BODY_CASES = [
  ['string', (R) => new R('hello wörld')],
  ['string with status and headers record', (R) => new R('made', { status: 201, headers: { 'X-One': '1', 'Content-Type': 'text/x-made' } })],
  ['Buffer', (R) => new R(Buffer.from('buffer body'))],
  ['Uint8Array', (R) => new R(new Uint8Array([104, 105]))],
  ['ArrayBuffer', (R) => new R(new TextEncoder().encode('array buffer').buffer)],
  ['DataView on part of a buffer', (R) => new R(new DataView(new TextEncoder().encode('..view..').buffer, 2, 4))],
  ['Blob with type', (R) => new R(new Blob(['blob ', 'parts'], { type: 'application/x-blob' }))],
  ['Blob without type', (R) => new R(new Blob(['untyped']))],
  ['URLSearchParams', (R) => new R(new URLSearchParams([['a', '1'], ['b', 'x y&z']]))],
  [
    'ReadableStream',
    (R) =>
      new R(
        new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode('streamed '))
            c.enqueue(new TextEncoder().encode('in parts'))
            c.close()
          },
        }),
        { headers: { 'content-type': 'text/x-stream' } },
      ),
  ],
  ['null body, 200', (R) => new R(null)],
  ['null body, 204', (R) => new R(null, { status: 204, headers: { 'x-empty': 'yes' } })],
  ['undefined body, 202', (R) => new R(undefined, { status: 202 })],
  [
    'Headers object with two Set-Cookie',
    (R) => {
      const headers = new Headers({ 'content-type': 'application/json' })
      headers.append('set-cookie', 'a=1; Path=/')
      headers.append('set-cookie', 'b=2; HttpOnly')
      headers.append('x-multi', 'one')
      headers.append('x-multi', 'two')
      return new R('{"ok":true}', { headers })
    },
  ],
  ['headers as pairs', (R) => new R('pairs', { headers: [['x-pair', '1'], ['set-cookie', 'p=1'], ['set-cookie', 'q=2']] })],
  ['Response.json()', (R) => R.json({ static: true }, { status: 202 })],
  ['Response.redirect()', (R) => R.redirect('http://127.0.0.1/elsewhere', 307)],
  ['read headers, then sent', (R) => {
    const res = new R('touched', { headers: { 'x-a': '1' } })
    res.headers.set('x-b', '2')
    return res
  }],
  ['read body in a clone, then sent', async (R) => {
    const res = new R('cloned body')
    await res.clone().text()
    return res
  }],
  ['framing headers are the engine\'s', (R) => new R('framed', { headers: { 'Transfer-Encoding': 'chunked', Connection: 'keep-alive', 'Keep-Alive': 'timeout=5' } })],
]

/** Reads a raw response the way a client sees it: status, headers that matter, body. */
export function describeRaw(res) {
  const headers = {}
  for (const [k, v] of Object.entries(res.headers)) {
    if (k === 'date' || k === 'content-length' || k === 'transfer-encoding' || k === 'connection') continue
    headers[k] = v
  }
  return { status: res.status, headers, body: res.body.toString('latin1') }
}

/** The same description for a reference Response (headers as a client would get them). */
export async function describeReference(res) {
  const headers = {}
  for (const [k, v] of res.headers) {
    if (k === 'transfer-encoding' || k === 'connection' || k === 'keep-alive') continue
    ;(headers[k] ??= []).push(v)
  }
  return { status: res.status, headers, body: Buffer.from(await res.arrayBuffer()).toString('latin1') }
}
