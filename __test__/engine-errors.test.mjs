// Malformed and oversized requests: 400 / 413 / 431, each followed by a close,
// and a fresh connection that still gets a normal answer.
import test from 'ava'
import { startServer } from './helpers/server.mjs'
import { RawClient, requestHead, simpleGet, preview } from './helpers/raw.mjs'

const okHandler = (calls) => (req, reply) => {
  calls.push(`${req.method} ${req.url}`)
  reply.send(200, {}, `ok ${req.url}`)
}

/**
 * Send `bytes` on a fresh connection, expect a `status` response, then a close by the
 * server; then check a normal request on a new connection still works.
 */
async function expectRejected(t, { bytes, status, options, handlerMustNotSee = true }) {
  const calls = []
  const { port } = await startServer(t, okHandler(calls), options)
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(bytes)
  let res
  try {
    res = await client.readResponse({ timeout: 5000 })
  } catch (err) {
    t.fail(`no ${status} response for ${preview(Buffer.from(bytes), 200)}: ${err.message}`)
    return
  }
  const allowed = Array.isArray(status) ? status : [status]
  t.true(allowed.includes(res.status), `request ${preview(Buffer.from(bytes), 200)}: expected ${allowed.join(' or ')}, got ${JSON.stringify(res.head)}`)
  t.true(await client.waitForClose(3000), `connection not closed after ${status}`)
  if (handlerMustNotSee) t.deepEqual(calls, [], 'rejected request reached the handler')
  const after = await simpleGet(port, '/after')
  t.is(after.status, 200)
  t.is(after.body.toString(), 'ok /after')
  return res
}

const badRequest = test.macro({
  async exec(t, bytes) {
    await expectRejected(t, { bytes, status: 400 })
  },
  title(name) {
    return `400: ${name}`
  },
})

test('malformed request line (no version)', badRequest, 'GET /\r\nHost: a\r\n\r\n')
test('malformed request line (garbage)', badRequest, '\x01\x02\x03 nonsense\r\n\r\n')
test('malformed request line (bad version)', badRequest, 'GET / HTTP/x.y\r\nHost: a\r\n\r\n')
test('malformed request line (too many parts)', badRequest, 'GET / extra HTTP/1.1\r\nHost: a\r\n\r\n')
test('header line without a colon', badRequest, 'GET / HTTP/1.1\r\nHost: a\r\nThisIsNotAHeader\r\n\r\n')
test('whitespace between header name and colon', badRequest, 'GET / HTTP/1.1\r\nHost : a\r\n\r\n')
test('empty header name', badRequest, 'GET / HTTP/1.1\r\nHost: a\r\n: value\r\n\r\n')
test('conflicting Content-Length headers', badRequest, 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!')
test('non-numeric Content-Length', badRequest, 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5x\r\n\r\nhello')
test('negative Content-Length', badRequest, 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n')
test(
  'Content-Length together with Transfer-Encoding: chunked',
  badRequest,
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
)
test('400 or 501: Transfer-Encoding other than chunked', async (t) => {
  await expectRejected(t, { bytes: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nabc', status: [400, 501] })
})
test('invalid chunk size in a chunked body', badRequest, 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n')

test('413 for a Content-Length above maxBodySize, answered before the body is sent', async (t) => {
  // Only the head goes out: the server must decide from Content-Length alone.
  await expectRejected(t, {
    bytes: requestHead('POST', '/big', { 'Content-Length': 1_000_000 }),
    status: 413,
    options: { maxBodySize: 1024 },
  })
})

test('413 for Content-Length above the default limit (without sending the body)', async (t) => {
  // The default is at least 16 MiB; 1 GiB is above any sensible default.
  await expectRejected(t, {
    bytes: requestHead('POST', '/huge', { 'Content-Length': 1024 ** 3 }),
    status: 413,
  })
})

test('a body exactly at maxBodySize is accepted', async (t) => {
  let got
  const { port } = await startServer(
    t,
    (req, reply) => {
      got = req.body
      reply.send(200, {}, String(req.body.length))
    },
    { maxBodySize: 1024 },
  )
  const body = Buffer.alloc(1024, 0x61)
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(Buffer.concat([Buffer.from(requestHead('POST', '/', { 'Content-Length': 1024 })), body]))
  const res = await client.readResponse()
  t.is(res.status, 200)
  t.is(res.body.toString(), '1024')
  t.deepEqual(got, body)
})

test('413 for a chunked body that grows past maxBodySize', async (t) => {
  const chunk = Buffer.alloc(512, 0x62)
  const parts = [Buffer.from(requestHead('POST', '/chunks', { 'Transfer-Encoding': 'chunked' }))]
  for (let i = 0; i < 4; i++) parts.push(Buffer.from('200\r\n'), chunk, Buffer.from('\r\n'))
  parts.push(Buffer.from('0\r\n\r\n'))
  await expectRejected(t, { bytes: Buffer.concat(parts), status: 413, options: { maxBodySize: 1024 } })
})

test('413 for a chunked body past maxBodySize while the client is still sending', async (t) => {
  // The terminating chunk never comes: the limit must be enforced as the body grows.
  const chunk = Buffer.alloc(1000, 0x63)
  const parts = [Buffer.from(requestHead('POST', '/chunks', { 'Transfer-Encoding': 'chunked' }))]
  for (let i = 0; i < 3; i++) parts.push(Buffer.from('3e8\r\n'), chunk, Buffer.from('\r\n'))
  await expectRejected(t, { bytes: Buffer.concat(parts), status: 413, options: { maxBodySize: 2048 } })
})

function manyHeaders(n) {
  const list = []
  for (let i = 0; i < n; i++) list.push(`X-H${i}`, `v${i}`)
  return list
}

test('431 for too many headers (maxHeaders)', async (t) => {
  await expectRejected(t, {
    bytes: requestHead('GET', '/', manyHeaders(20)),
    status: 431,
    options: { maxHeaders: 10 },
  })
})

test('431 for too many headers at the default limit', async (t) => {
  await expectRejected(t, { bytes: requestHead('GET', '/', manyHeaders(1000)), status: 431 })
})

test('431 for a header block larger than maxHeaderSize', async (t) => {
  await expectRejected(t, {
    bytes: requestHead('GET', '/', { 'X-Big': 'a'.repeat(4000) }),
    status: 431,
    options: { maxHeaderSize: 1024 },
  })
})

test('431 for a header block larger than the default maxHeaderSize', async (t) => {
  await expectRejected(t, {
    bytes: requestHead('GET', '/', { 'X-Big': 'a'.repeat(64 * 1024) }),
    status: 431,
  })
})

test('431 for an unterminated header block that keeps growing', async (t) => {
  // no blank line ever: the server must not wait for the end of the head forever
  await expectRejected(t, {
    bytes: 'GET / HTTP/1.1\r\nHost: a\r\n' + 'X-Fill: ' + 'b'.repeat(3000) + '\r\n',
    status: 431,
    options: { maxHeaderSize: 1024 },
  })
})

test('a request with more than 30 headers and a late Content-Length is read correctly', async (t) => {
  // Mongoose ignores headers past its compile-time limit (30 by default); the engine must not.
  let seen
  const { port } = await startServer(t, (req, reply) => {
    if (req.url === '/late') seen = req
    reply.send(200, {}, `[${req.body.toString()}] ${req.rawHeaders.length / 2}`)
  })
  const headers = [...manyHeaders(60), 'Content-Length', '5']
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('POST', '/late', headers) + 'hello' + requestHead('GET', '/next'))
  const [a, b] = await client.readResponses(2)
  t.is(a.status, 200)
  t.is(a.body.toString(), '[hello] 62') // 60 + Host + Content-Length
  t.is(seen.rawHeaders[seen.rawHeaders.length - 2].toLowerCase(), 'content-length')
  t.is(b.status, 200)
})

test('headers under the limits are accepted (maxHeaders and maxHeaderSize are not off by much)', async (t) => {
  const { port } = await startServer(t, (req, reply) => reply.send(200, {}, String(req.rawHeaders.length / 2)), {
    maxHeaders: 10,
    maxHeaderSize: 1024,
  })
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  // Host + 8 = 9 headers, head well under 1024 bytes
  await client.write(requestHead('GET', '/', manyHeaders(8)))
  const res = await client.readResponse()
  t.is(res.status, 200)
  t.is(res.body.toString(), '9')
})

test('after a 400 the rest of the pipelined bytes are not interpreted as requests', async (t) => {
  const calls = []
  const { port } = await startServer(t, okHandler(calls))
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write('GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n')
  const res = await client.readResponse()
  t.is(res.status, 400)
  const { closed, rest } = await client.drainToClose(3000)
  t.true(closed)
  t.is(rest.length, 0, `bytes after the 400: ${preview(rest)}`)
  t.deepEqual(calls, [])
})

test('Transfer-Encoding that only looks like chunked is not taken as chunked', async (t) => {
  // "xchunked" is not "chunked": 400/501, never a request whose body is parsed as chunked
  await expectRejected(t, {
    bytes: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n',
    status: [400, 501],
  })
})

test('chunked Transfer-Encoding on an HTTP/1.0 request is rejected or read as chunked, never mis-framed', async (t) => {
  // Either answer is safe as long as the bytes after the body are not treated as a new request.
  const calls = []
  const { port } = await startServer(t, okHandler(calls))
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write('POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n')
  const res = await client.readResponse()
  t.true([200, 400].includes(res.status), res.head)
  t.true(await client.waitForClose(3000))
  t.true(calls.length <= 1, JSON.stringify(calls))
})
