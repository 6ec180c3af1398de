// Response-side checks shared by the fast-Response and Node-Response test files.
import crypto from 'node:crypto'
import net from 'node:net'
import { deferred, sleep, within, sha256 } from './server.mjs'
import { RawClient, requestHead } from './raw.mjs'
import { BODY_CASES, NodeResponse, SOURCE_HIDDEN, describeRaw, describeReference, serveFetch } from './fetch.mjs'

/** Registers the response tests on `test`, serving with `fetchOptions`. */
export function responseTests(test, fetchOptions) {
  // Node's own Response on Node 24 and later: what a body was made from is
  // private, so a stream that ends at once may go out with a Content-Length,
  // and a Blob too big to gather streams without one.
  const sourceHidden = fetchOptions?.fastResponse === false && SOURCE_HIDDEN
  test('every body kind is sent as Node\'s own Response would give it', async (t) => {
    const { port } = await serveFetch(t, { fetch: (request) => BODY_CASES[Number(new URL(request.url).pathname.slice(1))][1](Response) }, { fetchOptions })
    const client = await RawClient.connect(port)
    t.teardown(() => client.destroy())
    for (const [i, [name, make]] of BODY_CASES.entries()) {
      await client.write(requestHead('GET', `/${i}`))
      const res = await client.readResponse()
      const expected = await describeReference(await make(NodeResponse))
      t.deepEqual(describeRaw(res), expected, name)
      const inMemory = !name.startsWith('ReadableStream')
      if (res.status === 204) t.is(res.header('content-length'), undefined, name)
      else if (inMemory) t.is(res.header('content-length'), String(res.body.length), `${name}: Content-Length`)
      else if (sourceHidden) t.true(res.chunked || res.header('content-length') === String(res.body.length), `${name}: framing`)
      else t.true(res.chunked, `${name}: chunked`)
      t.is(res.headers['transfer-encoding']?.length ?? 0, res.chunked ? 1 : 0, `${name}: framing`)
    }
  })

  test('FormData bodies go out as multipart with their boundary', async (t) => {
    const { base } = await serveFetch(
      t,
      {
        fetch() {
          const form = new FormData()
          form.append('text', 'value')
          form.append('file', new Blob(['file data'], { type: 'text/plain' }), 'f.txt')
          return new Response(form)
        },
      },
      { fetchOptions },
    )
    const res = await fetch(base)
    t.regex(res.headers.get('content-type'), /^multipart\/form-data; boundary=/)
    const form = await res.formData()
    t.is(form.get('text'), 'value')
    t.is(form.get('file').name, 'f.txt')
    t.is(await form.get('file').text(), 'file data')
  })

  test('HEAD: headers and length, never a body', async (t) => {
    const { port } = await serveFetch(
      t,
      {
        fetch(request) {
          const path = new URL(request.url).pathname
          if (path === '/text') return new Response('twelve bytes')
          if (path === '/stream') return new Response(new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(1024)) }))
          if (path === '/blob') return new Response(new Blob(['blob!']))
          return new Response(null, { headers: { 'content-length': '42', 'x-null': '1' } })
        },
      },
      { fetchOptions },
    )
    const client = await RawClient.connect(port)
    t.teardown(() => client.destroy())
    await client.write(
      requestHead('HEAD', '/text') + requestHead('HEAD', '/stream') + requestHead('HEAD', '/blob') + requestHead('HEAD', '/null') + requestHead('GET', '/text'),
    )
    const [text, stream, blob, none, after] = await client.readResponses(5, { heads: [true, true, true, true] })
    t.is(text.status, 200)
    t.is(text.header('content-length'), '12')
    t.is(stream.status, 200)
    t.is(stream.header('content-length'), undefined)
    t.is(blob.header('content-length'), '5')
    t.is(none.header('content-length'), '42')
    t.is(none.header('x-null'), '1')
    // Any stray body byte would have corrupted this response.
    t.is(after.body.toString(), 'twelve bytes')
  })

  test('a 16 MiB streamed response keeps to backpressure and arrives intact', async (t) => {
    const total = 16 * 1024 * 1024
    const chunk = 64 * 1024
    let produced = 0
    const seed = crypto.randomBytes(chunk)
    const expected = crypto.createHash('sha256')
    for (let i = 0; i < total / chunk; i++) {
      seed[0] = i & 0xff
      expected.update(seed)
    }
    const { port } = await serveFetch(
      t,
      {
        fetch() {
          let i = 0
          return new Response(
            new ReadableStream({
              pull(controller) {
                if (produced >= total) return controller.close()
                const part = Buffer.from(seed)
                part[0] = i++ & 0xff
                produced += part.length
                controller.enqueue(part)
              },
            }, { highWaterMark: 0 }),
            { headers: { 'content-type': 'application/octet-stream' } },
          )
        },
      },
      { fetchOptions },
    )
    const socket = net.connect(port, '127.0.0.1')
    t.teardown(() => socket.destroy())
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.pause()
    socket.write(requestHead('GET', '/big'))
    // Production must come to a stop while the client reads nothing: wait
    // until it has not moved for 300 ms (the kernel's socket buffers grow
    // for a while first, more slowly on a loaded machine), at most 5 s.
    let whilePaused = -1
    for (let waited = 0; waited < 5000 && produced !== whilePaused; waited += 300) {
      whilePaused = produced
      await sleep(300)
    }
    t.log(`produced while paused: ${(whilePaused / 1048576).toFixed(2)} MiB of ${total / 1048576} MiB`)
    t.is(produced, whilePaused, 'production stalls while the client does not read')
    t.true(whilePaused < total / 2, `produced ${whilePaused} bytes while the client read nothing`)
    const parts = []
    let tail = Buffer.alloc(0)
    const done = new Promise((resolve, reject) => {
      socket.on('data', (d) => {
        parts.push(d)
        tail = Buffer.concat([tail, d]).subarray(-5)
        if (tail.toString() === '0\r\n\r\n') resolve(Buffer.concat(parts))
      })
      socket.on('error', reject)
    })
    socket.resume()
    const raw = await within(done, 20000, 'the whole body')
    const { parseResponse } = await import('./raw.mjs')
    const { res } = parseResponse(raw)
    t.is(res.status, 200)
    t.true(res.chunked)
    t.is(res.body.length, total)
    t.is(sha256(res.body), expected.digest('hex'))
  })

  test('a big Blob streams, with a Content-Length where the Response shows its source', async (t) => {
    const data = crypto.randomBytes(3 * 1024 * 1024 + 17)
    const { base } = await serveFetch(t, { fetch: () => new Response(new Blob([data])) }, { fetchOptions })
    const res = await fetch(base)
    t.is(res.headers.get('content-length'), sourceHidden ? null : String(data.length))
    t.is(sha256(Buffer.from(await res.arrayBuffer())), sha256(data))
  })

  test('a client gone before the response is ready: the stream is cancelled, nothing breaks', async (t) => {
    const cancelled = deferred()
    const release = deferred()
    const started = deferred()
    const { port } = await serveFetch(
      t,
      {
        async fetch(request) {
          if (new URL(request.url).pathname === '/ok') return new Response('ok')
          started.resolve()
          await release.promise
          return new Response(new ReadableStream({ pull() {}, cancel: (r) => cancelled.resolve(r ?? 'cancelled') }))
        },
      },
      { fetchOptions },
    )
    const client = await RawClient.connect(port)
    await client.write(requestHead('GET', '/late'))
    await within(started.promise, 3000, 'handler start')
    client.destroy()
    await sleep(100)
    release.resolve()
    await within(cancelled.promise, 3000, 'cancel of the unread stream')
    const again = await RawClient.connect(port)
    t.teardown(() => again.destroy())
    await again.write(requestHead('GET', '/ok'))
    t.is((await again.readResponse()).body.toString(), 'ok')
  })
}
