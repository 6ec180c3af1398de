// The WHATWG Request a fetch handler receives: URL, method, headers, body
// readers, signal, and how it stands in for Node's own Request.
import test from 'ava'
import { deferred, within, makeCert, sleep } from './helpers/server.mjs'
import { RawClient, requestHead } from './helpers/raw.mjs'
import https from 'node:https'
import { serveFetch, isFetchApp, markFetch } from './helpers/fetch.mjs'

/** Serve a handler that reports what it saw as JSON. */
async function serveInspect(t, inspect) {
  return serveFetch(t, {
    async fetch(request, env) {
      return Response.json(await inspect(request, env))
    },
  })
}

async function rawAsk(port, bytes) {
  const client = await RawClient.connect(port)
  try {
    await client.write(bytes)
    return await client.readResponse()
  } finally {
    client.destroy()
  }
}

test('a bare { fetch } object gets a genuine-looking Request', async (t) => {
  const seen = deferred()
  const app = {
    name: 'bare',
    fetch(request, env) {
      seen.resolve({ request, env, self: this })
      return new Response(`hello ${request.method} ${new URL(request.url).pathname}`)
    },
  }
  const { port } = await serveFetch(t, app)
  const res = await rawAsk(
    port,
    requestHead('GET', '/a/b?c=1', [
      'Host', 'example.test:8080', 'X-Dup', 'one', 'Accept', '*/*', 'x-dup', 'two', 'Set-Cookie', 'a=1', 'set-cookie', 'b=2',
    ]),
  )
  t.is(res.status, 200)
  t.is(res.body.toString(), 'hello GET /a/b')
  t.is(res.header('content-type'), 'text/plain;charset=UTF-8')
  const { request, env, self } = await seen.promise
  t.is(self, app)
  t.true(request instanceof Request)
  t.is(Object.prototype.toString.call(request), '[object Request]')
  t.is(request.url, 'http://example.test:8080/a/b?c=1')
  t.is(request.method, 'GET')
  t.true(request.headers instanceof Headers)
  t.is(request.headers.get('x-dup'), 'one, two')
  t.is(request.headers.get('accept'), '*/*')
  t.deepEqual(request.headers.getSetCookie(), ['a=1', 'b=2'])
  t.is(request.body, null)
  t.false(request.bodyUsed)
  t.is(await request.text(), '')
  // Less common members come from Node's own Request.
  t.is(request.redirect, 'follow')
  t.is(request.mode, 'cors')
  t.is(request.cache, 'default')
  // The second argument carries the connection.
  t.is(env.remoteAddress, '127.0.0.1')
  t.is(env.localPort, port)
  t.false(env.tls)
})

test('URL: scheme, host, normalisation and fall-backs', async (t) => {
  const { port } = await serveInspect(t, (request) => ({ url: request.url }))
  const ask = async (target, headers, version) =>
    JSON.parse((await rawAsk(port, requestHead('GET', target, headers, version))).body).url
  t.is(await ask('/x', { Host: 'Example.COM:80' }), 'http://example.com/x')
  t.is(await ask('/a/./b/../c', { Host: 'h' }), 'http://h/a/c')
  t.is(await ask('/a/%2e%2E/c', { Host: 'h' }), 'http://h/c')
  t.is(await ask('//double/slash', { Host: 'h' }), 'http://h//double/slash')
  t.is(await ask('/sp%20ace?q="x"', { Host: 'h' }), 'http://h/sp%20ace?q=%22x%22')
  t.is(await ask('/frag#ment', { Host: 'h' }), 'http://h/frag')
  t.is(await ask('/ok?x=1&y=%41', { Host: 'h:81' }), 'http://h:81/ok?x=1&y=%41')
  t.is(await ask('/ipv6', { Host: '[::1]:9' }), 'http://[::1]:9/ipv6')
  t.is(await ask('http://proxy.example/p?q', { Host: 'ignored' }), 'http://proxy.example/p?q')
  // Whatever the target, the URL is the one Node's own Request would report.
  const targets = ["/q?'", '/p/%zz', '/a\\b', '/{x}|^`', '/..', '/a/.', '/.well-known/x', '/x?a/../b', '/%2E/x']
  for (const target of targets) {
    t.is(await ask(target, { Host: 'h' }), new Request('http://h' + target).url, target)
  }
  // Raw non-ASCII bytes in a target are refused, as node:http refuses them.
  for (const target of ['/ü', '/x?ü=1']) t.is((await rawAsk(port, requestHead('GET', target, { Host: 'h' }))).status, 400, target)
  // HTTP/1.0 without Host: the listener's own address.
  const res = await rawAsk(port, 'GET /no-host HTTP/1.0\r\n\r\n')
  t.is(JSON.parse(res.body).url, `http://127.0.0.1:${port}/no-host`)
})

test('a Host header that cannot make a URL is answered 400', async (t) => {
  let called = false
  const { port } = await serveFetch(t, {
    fetch() {
      called = true
      return new Response('no')
    },
  })
  for (const host of ['bad host', 'a/b', 'user@h', 'h:99999', '']) {
    const res = await rawAsk(port, `GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`)
    t.is(res.status, 400, `Host: ${JSON.stringify(host)}`)
  }
  t.false(called)
})

test('https listeners give https URLs', async (t) => {
  const { cert, key } = makeCert('ec')
  const { port } = await serveFetch(
    t,
    { fetch: (request) => new Response(request.url) },
    { url: 'https://127.0.0.1:0', listenOptions: { tls: { cert, key } } },
  )
  const text = await new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path: '/secure?x=1', rejectUnauthorized: false, agent: false }, (res) => {
        let s = ''
        res.on('data', (d) => (s += d))
        res.on('end', () => resolve(s))
      })
      .on('error', reject)
  })
  t.is(text, `https://127.0.0.1:${port}/secure?x=1`)
})

test('methods reach the app as sent; ones node:http does not know, or in lower case, are refused with 400 as there', async (t) => {
  const { port } = await serveInspect(t, (request) => ({ method: request.method }))
  for (const sent of ['GET', 'POST', 'PATCH', 'DELETE', 'PROPFIND']) {
    const res = await rawAsk(port, requestHead(sent, '/', { 'Content-Length': '0' }))
    t.is(JSON.parse(res.body).method, sent, sent)
  }
  for (const sent of ['get', 'patch', 'Delete', 'BREW']) {
    const res = await rawAsk(port, requestHead(sent, '/', { 'Content-Length': '0' }))
    t.is(res.status, 400, sent)
  }
})

test('body readers: text, json, arrayBuffer, bytes, blob', async (t) => {
  const { port } = await serveInspect(t, async (request) => {
    const kind = new URL(request.url).searchParams.get('as')
    const out = { hasBody: request.body !== null || kind === 'text' }
    if (kind === 'text') out.value = await request.text()
    if (kind === 'json') out.value = await request.json()
    if (kind === 'arrayBuffer') {
      const ab = await request.arrayBuffer()
      out.value = [ab instanceof ArrayBuffer, Buffer.from(ab).toString()]
    }
    if (kind === 'bytes') {
      const bytes = await request.bytes()
      out.value = [bytes instanceof Uint8Array, Buffer.from(bytes).toString()]
    }
    if (kind === 'blob') {
      const blob = await request.blob()
      out.value = [blob.type, await blob.text()]
    }
    out.used = request.bodyUsed
    out.again = await request.text().then(
      () => 'read twice',
      (err) => err.name,
    )
    return out
  })
  const post = (as, body, type = 'text/plain') =>
    fetch(`http://127.0.0.1:${port}/?as=${as}`, { method: 'POST', body, headers: { 'content-type': type } }).then((r) => r.json())
  t.deepEqual(await post('text', '\ufeffwith BOM ü'), { hasBody: true, value: 'with BOM ü', used: true, again: 'TypeError' })
  t.deepEqual(await post('json', '{"n":[1,2]}', 'application/json'), {
    hasBody: true,
    value: { n: [1, 2] },
    used: true,
    again: 'TypeError',
  })
  t.deepEqual((await post('arrayBuffer', 'raw bytes')).value, [true, 'raw bytes'])
  t.deepEqual((await post('bytes', 'some bytes')).value, [true, 'some bytes'])
  t.deepEqual((await post('blob', 'blob body', 'application/x-thing')).value, ['application/x-thing', 'blob body'])
  // An empty POST body is no body at all.
  const empty = await fetch(`http://127.0.0.1:${port}/?as=text`, { method: 'POST', body: '' }).then((r) => r.json())
  t.deepEqual(empty, { hasBody: true, value: '', used: false, again: 'read twice' })
})

test('body as a stream, formData(), clone() and new Request(request)', async (t) => {
  const { port } = await serveInspect(t, async (request) => {
    const kind = new URL(request.url).searchParams.get('as')
    if (kind === 'stream') {
      const chunks = []
      for await (const chunk of request.body) chunks.push(Buffer.from(chunk))
      return { value: Buffer.concat(chunks).toString(), used: request.bodyUsed }
    }
    if (kind === 'form') {
      const form = await request.formData()
      const out = {}
      for (const [k, v] of form) out[k] = typeof v === 'string' ? v : `${v.name}:${v.type}:${await v.text()}`
      return { value: out }
    }
    if (kind === 'clone') {
      const copy = request.clone()
      return { value: [await copy.text(), await request.text()] }
    }
    if (kind === 'wrap') {
      const wrapped = new Request(request, { headers: { 'x-extra': '1' } })
      return { value: [wrapped.url, wrapped.method, await wrapped.text(), wrapped.headers.get('x-extra')] }
    }
    if (kind === 'after-read') {
      const text = await request.text()
      // Asking for the stream after reading: the body is still reported used.
      return { value: [text, request.bodyUsed, request.body === null ? 'null' : 'stream'] }
    }
    return { value: null }
  })
  const base = `http://127.0.0.1:${port}`
  const big = 'x'.repeat(200_000)
  t.deepEqual(await fetch(`${base}/?as=stream`, { method: 'PUT', body: big }).then((r) => r.json()), { value: big, used: true })

  const form = new FormData()
  form.append('name', 'mg')
  form.append('file', new Blob(['contents'], { type: 'text/csv' }), 'data.csv')
  t.deepEqual(await fetch(`${base}/?as=form`, { method: 'POST', body: form }).then((r) => r.json()), {
    value: { name: 'mg', file: 'data.csv:text/csv:contents' },
  })
  t.deepEqual(
    await fetch(`${base}/?as=form`, { method: 'POST', body: new URLSearchParams({ a: '1', b: 'x y' }) }).then((r) => r.json()),
    { value: { a: '1', b: 'x y' } },
  )
  t.deepEqual(await fetch(`${base}/?as=clone`, { method: 'POST', body: 'twice' }).then((r) => r.json()), {
    value: ['twice', 'twice'],
  })
  t.deepEqual(await fetch(`${base}/?as=wrap`, { method: 'POST', body: 'wrapped' }).then((r) => r.json()), {
    value: [`${base}/?as=wrap`, 'POST', 'wrapped', '1'],
  })
  t.deepEqual(await fetch(`${base}/?as=after-read`, { method: 'POST', body: 'once' }).then((r) => r.json()), {
    value: ['once', true, 'stream'],
  })
})

for (const fastResponse of [true, false]) {
  test(`fetch(request) and new Request(request, init) take the request a handler was given (fastResponse: ${fastResponse})`, async (t) => {
    const { port } = await serveFetch(
      t,
      {
        async fetch(request) {
          const hop = request.headers.get('x-hop')
          if (hop !== null) return new Response(`${request.method} ${hop} ${await request.text()}`)
          if (new URL(request.url).pathname === '/wrapped') {
            const res = await fetch(new Request(request, { headers: { 'x-hop': 'wrapped' } }))
            return new Response(await res.text())
          }
          // Back to this server, marked so that the second pass answers.
          request.headers.set('x-hop', 'same')
          const res = await fetch(request)
          return new Response(await res.text())
        },
      },
      { fetchOptions: { fastResponse } },
    )
    const base = `http://127.0.0.1:${port}`
    t.is(await fetch(`${base}/same`, { method: 'POST', body: 'abc' }).then((r) => r.text()), 'POST same abc')
    t.is(await fetch(`${base}/wrapped`, { method: 'PUT', body: 'xyz' }).then((r) => r.text()), 'PUT wrapped xyz')
    t.true(new Request(base) instanceof Request)
  })
}

test('signal aborts when the client disconnects before the response', async (t) => {
  const aborted = deferred()
  const started = deferred()
  const { port } = await serveFetch(t, {
    async fetch(request) {
      started.resolve()
      await new Promise((resolve) => request.signal.addEventListener('abort', resolve))
      aborted.resolve(request.signal.aborted)
      return new Response('too late')
    },
  })
  const client = await RawClient.connect(port)
  await client.write(requestHead('GET', '/slow'))
  await within(started.promise, 3000, 'handler start')
  client.destroy()
  t.true(await within(aborted.promise, 3000, 'signal abort'))
})

test('signal aborts when the client disconnects mid-stream, and not after a complete response', async (t) => {
  const aborted = deferred()
  const cancelled = deferred()
  const signals = []
  const { port } = await serveFetch(t, {
    fetch(request) {
      signals.push(request.signal)
      if (new URL(request.url).pathname === '/done') return new Response('done')
      request.signal.addEventListener('abort', () => aborted.resolve(true))
      let n = 0
      return new Response(
        new ReadableStream({
          async pull(controller) {
            await sleep(5)
            controller.enqueue(new TextEncoder().encode(`chunk ${n++}\n`))
          },
          cancel(reason) {
            cancelled.resolve(reason)
          },
        }),
      )
    },
  })
  const done = await rawAsk(port, requestHead('GET', '/done'))
  t.is(done.body.toString(), 'done')
  const client = await RawClient.connect(port)
  await client.write(requestHead('GET', '/stream'))
  await client.waitFor(() => client.buf.includes('chunk 1'), 3000, 'two chunks')
  client.destroy()
  t.true(await within(aborted.promise, 3000, 'signal abort'))
  const reason = await within(cancelled.promise, 3000, 'stream cancel')
  t.is(reason.code, 'ERR_MGNODE_CLIENT_GONE')
  await sleep(50)
  t.false(signals[0].aborted, 'a completed exchange never aborts its signal')
})

test('isFetchApp and markFetch', (t) => {
  const listener = (req, res) => res.end()
  t.false(isFetchApp(listener))
  t.false(isFetchApp(null))
  t.false(isFetchApp({ handle() {} }))
  t.true(isFetchApp({ fetch() {} }))
  const marked = markFetch((request) => new Response(request.url))
  t.true(isFetchApp(marked))
  t.true(isFetchApp(function fetch() {}))
  t.throws(() => markFetch('nope'), { instanceOf: TypeError })
})

test('a markFetch() function is served as a fetch handler', async (t) => {
  const { port } = await serveFetch(t, markFetch(async (request) => new Response(`marked ${request.method}`)))
  const res = await rawAsk(port, requestHead('GET', '/'))
  t.is(res.body.toString(), 'marked GET')
})
