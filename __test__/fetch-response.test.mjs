// Responses on the default (fast) path: the global Response is mgnode's lazy one.
import test from 'ava'
import { responseTests } from './helpers/fetch-responses.mjs'
import { NodeResponse, serveFetch } from './helpers/fetch.mjs'
import { RawClient, requestHead } from './helpers/raw.mjs'

responseTests(test, undefined)

test('the body stream of an in-memory body works wherever a ReadableStream does', async (t) => {
  await serveFetch(t, { fetch: () => new Response('x') })
  const body = () => new Response('stream me').body
  t.true(body() instanceof ReadableStream)
  t.is(Object.prototype.toString.call(body()), '[object ReadableStream]')
  let text = ''
  for await (const chunk of body()) text += Buffer.from(chunk).toString()
  t.is(text, 'stream me')
  const decoded = body().pipeThrough(new TextDecoderStream())
  t.is((await decoded.getReader().read()).value, 'stream me')
  const [a, b] = body().tee()
  t.is(await new NodeResponse(a).text(), 'stream me')
  t.is(await new NodeResponse(b).text(), 'stream me')
  const { Readable } = await import('node:stream')
  const chunks = []
  for await (const chunk of Readable.fromWeb(body())) chunks.push(chunk)
  t.is(Buffer.concat(chunks).toString(), 'stream me')
  const piped = []
  await body().pipeTo(new WritableStream({ write: (c) => void piped.push(Buffer.from(c)) }))
  t.is(Buffer.concat(piped).toString(), 'stream me')
  const locked = body()
  const reader = locked.getReader()
  t.true(locked.locked)
  t.throws(() => new Response(locked), { instanceOf: TypeError })
  reader.releaseLock()
  await locked.cancel()
  t.throws(() => new Response(locked), { instanceOf: TypeError }, 'a cancelled body cannot be reused')
})

test.serial('responses rebuilt from another response\'s body are still sent whole, and a read body is refused', async (t) => {
  const { port } = await serveFetch(t, {
    async fetch(request) {
      const path = new URL(request.url).pathname
      const inner = new Response('inner body', { status: 202, headers: { 'x-inner': '1' } })
      if (path === '/rebuilt') return new Response(inner.body, inner)
      if (path === '/twice') return new Response(new Response(inner.body, inner).body, { headers: { 'content-type': 'text/x' } })
      if (path === '/node') return new NodeResponse(inner.body, inner)
      if (path === '/text-read') {
        await inner.text()
        return inner
      }
      if (path === '/stream-read') {
        const reader = inner.body.getReader()
        await reader.read()
        reader.releaseLock()
        return inner
      }
      const reader = inner.body.getReader()
      await reader.read()
      reader.releaseLock()
      return new Response(inner.body, inner) // throws, as Node's own does: the body is disturbed
    },
  })
  const errors = []
  const original = console.error
  console.error = (e) => errors.push(e)
  t.teardown(() => {
    console.error = original
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(
    ['/rebuilt', '/twice', '/node', '/text-read', '/stream-read', '/disturbed'].map((p) => requestHead('GET', p)).join(''),
  )
  const [rebuilt, twice, node, textRead, streamRead, disturbed] = await client.readResponses(6)
  for (const res of [rebuilt, twice, node]) {
    t.is(res.body.toString(), 'inner body')
    t.is(res.header('content-length'), '10')
  }
  t.is(rebuilt.status, 202)
  t.is(rebuilt.header('x-inner'), '1')
  t.is(rebuilt.header('content-type'), 'text/plain;charset=UTF-8')
  t.is(twice.header('content-type'), 'text/x')
  t.is(node.status, 202)
  for (const res of [textRead, streamRead, disturbed]) t.is(res.status, 500)
  t.deepEqual(
    errors.map((e) => e.code ?? e.name),
    ['ERR_MGNODE_BODY_USED', 'ERR_MGNODE_BODY_USED', 'TypeError'],
  )
})

test('the fast Response is installed and behaves like Node\'s own', async (t) => {
  await serveFetch(t, { fetch: () => new Response('x') })
  t.not(globalThis.Response, NodeResponse)
  const fast = new Response('hello', { status: 201, statusText: 'Made', headers: { 'x-a': '1' } })
  t.true(fast instanceof Response)
  t.true(fast instanceof NodeResponse)
  t.true(NodeResponse.json({}) instanceof Response, 'Node-made responses are Responses too')
  t.is(Object.prototype.toString.call(fast), '[object Response]')
  t.is(fast.status, 201)
  t.is(fast.statusText, 'Made')
  t.true(fast.ok)
  t.is(fast.headers.get('content-type'), 'text/plain;charset=UTF-8')
  t.is(fast.type, 'default')
  t.is(fast.redirected, false)
  const copy = fast.clone()
  t.is(await copy.text(), 'hello')
  t.false(fast.bodyUsed)
  t.is(await fast.text(), 'hello')
  t.true(fast.bodyUsed)
  await t.throwsAsync(() => fast.text(), { instanceOf: TypeError })
  t.is(await new Response(new Uint8Array([65, 66])).text(), 'AB')
  t.deepEqual(await Response.json({ a: 1 }).json(), { a: 1 })
  t.is(Response.redirect('http://x.test/', 301).headers.get('location'), 'http://x.test/')
  t.is(Response.error().type, 'error')
  class Sub extends Response {
    extra() {
      return 'sub'
    }
  }
  const sub = new Sub('s')
  t.true(sub instanceof Response)
  t.true(sub instanceof Sub)
  t.false(new Response('plain') instanceof Sub)
  t.false(NodeResponse.json({}) instanceof Sub)
  t.is(sub.extra(), 'sub')
  t.is(await sub.text(), 's')
  // The same errors as Node's own constructor.
  t.throws(() => new Response('x', { status: 99 }), { instanceOf: RangeError })
  t.throws(() => new Response('x', { status: 204 }), { instanceOf: TypeError })
  t.throws(() => new NodeResponse('x', { status: 204 }), { instanceOf: TypeError })
  // The body stream of an in-memory body.
  const streamed = new Response('via stream')
  const reader = streamed.body.getReader()
  t.false(streamed.bodyUsed)
  t.is(Buffer.from((await reader.read()).value).toString(), 'via stream')
  t.true((await reader.read()).done)
  t.true(streamed.bodyUsed)
  const rebuilt = new Response(new Response('{"a":1}', { headers: { 'content-type': 'application/json' } }).body)
  t.deepEqual(await rebuilt.json(), { a: 1 })
  const typed = new Response('typed')
  void typed.body
  t.is(typed.headers.get('content-type'), 'text/plain;charset=UTF-8')
  t.is(await typed.text(), 'typed')
  // Bodies it does not keep go straight to Node's Response.
  t.is(await new Response(123).text(), '123')
})

test('statusText becomes the reason phrase; Connection: close from the app closes the connection', async (t) => {
  const { port } = await serveFetch(t, {
    fetch: (request) =>
      new URL(request.url).pathname === '/close'
        ? new Response('bye', { headers: { connection: 'close' } })
        : new Response('made', { status: 201, statusText: 'Made It' }),
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/') + requestHead('GET', '/close') + requestHead('GET', '/'))
  const made = await client.readResponse()
  t.is(made.status, 201)
  t.is(made.statusText, 'Made It')
  const bye = await client.readResponse()
  t.is(bye.statusText, 'OK')
  t.deepEqual(bye.headers.connection, ['close'])
  const { closed, rest } = await client.drainToClose(2000)
  t.true(closed)
  t.is(rest.length, 0)
})
