// https:// with a generated certificate, IPv6 loopback.
import test from 'ava'
import https from 'node:https'
import http from 'node:http'
import net from 'node:net'
import tls from 'node:tls'
import crypto from 'node:crypto'
import { Manager, startServer, makeCert, sha256, wholeBody, within } from './helpers/server.mjs'
import { RawClient, requestHead } from './helpers/raw.mjs'

function fetchVia(mod, opts, body) {
  return new Promise((resolve, reject) => {
    const req = mod.request(opts, (res) => {
      const peer = res.socket.getPeerCertificate ? res.socket.getPeerCertificate() : null
      const protocol = res.socket.getProtocol ? res.socket.getProtocol() : null
      const parts = []
      res.on('data', (d) => parts.push(d))
      res.on('end', () =>
        resolve({
          status: res.statusCode,
          headers: res.headers,
          body: Buffer.concat(parts),
          peer,
          protocol,
        }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.setTimeout(10000, () => req.destroy(new Error('request timed out')))
    req.end(body)
  })
}

/** One TLS handshake with a certificate trusted as `ca`; resolves null, or the error's message. */
function tlsHandshake(port, cert) {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: cert, servername: 'localhost' }, () => {
      socket.end()
      resolve(null)
    })
    socket.on('error', (err) => resolve(err.message))
  })
}

test('https:// with a self-signed EC P-256 certificate: response, req.tls, certificate presented', async (t) => {
  const { cert, key, fingerprint256 } = makeCert('ec')
  let seen
  const { port, host } = await startServer(
    t,
    (req, reply) => {
      seen = req
      reply.send(200, { 'Content-Type': 'text/plain' }, `secure ${req.url}`)
    },
    { tls: { cert, key } },
    'https://127.0.0.1:0',
  )
  t.is(host, '127.0.0.1')
  const res = await fetchVia(https, { host: '127.0.0.1', port, path: '/s?x=1', ca: cert, servername: 'localhost', agent: false })
  t.is(res.status, 200)
  t.is(res.body.toString(), 'secure /s?x=1')
  t.is(res.peer.fingerprint256, fingerprint256)
  t.log(`negotiated ${res.protocol}`)
  t.is(seen.tls, true)
  t.is(seen.localPort, port)
})

test('https:// 400 TLS handshakes in a row all verify', async (t) => {
  // An ECDSA signature whose r or s starts with a zero byte (1 in 256) must
  // still verify: Mongoose's built-in TLS once got that encoding wrong.
  const { cert, key } = makeCert('ec')
  const { port } = await startServer(t, (req, reply) => reply.send(200, {}, 'ok'), { tls: { cert, key } }, 'https://127.0.0.1:0')
  const failures = []
  for (let round = 0; round < 50; round++) {
    const results = await Promise.all(Array.from({ length: 8 }, () => tlsHandshake(port, cert)))
    failures.push(...results.filter((r) => r !== null))
  }
  t.deepEqual(failures, [])
})

test('https:// with an RSA-2048 certificate (openssl req -newkey rsa:2048): responses, certificate presented, 50 handshakes all verify', async (t) => {
  const { cert, key, fingerprint256 } = makeCert('rsa')
  const { port } = await startServer(t, (req, reply) => reply.send(200, {}, `rsa ${req.tls}`), { tls: { cert, key } }, 'https://127.0.0.1:0')
  const res = await fetchVia(https, { host: '127.0.0.1', port, path: '/', ca: cert, servername: 'localhost', agent: false })
  t.is(res.body.toString(), 'rsa true')
  t.is(res.peer.fingerprint256, fingerprint256)
  const failures = []
  for (let i = 0; i < 50; i++) {
    const err = await tlsHandshake(port, cert)
    if (err !== null) failures.push(err)
  }
  t.deepEqual(failures, [])
})

test('https:// accepts certificate and key as Buffers', async (t) => {
  const { cert, key } = makeCert('ec')
  const { port } = await startServer(t, (req, reply) => reply.send(200, {}, 'buf'), { tls: { cert: Buffer.from(cert), key: Buffer.from(key) } }, 'https://127.0.0.1:0')
  const res = await fetchVia(https, { host: '127.0.0.1', port, path: '/', rejectUnauthorized: false, agent: false })
  t.is(res.body.toString(), 'buf')
})

test('https:// keep-alive, a 1 MiB upload and a 1 MiB download over one TLS connection', async (t) => {
  const { cert, key } = makeCert('ec')
  const conns = new Set()
  const { port } = await startServer(
    t,
    async (req, reply) => {
      conns.add(req.connId)
      if (req.method === 'POST') reply.send(200, {}, sha256(await wholeBody(req)))
      else reply.send(200, {}, Buffer.alloc(1024 * 1024, req.url.length))
    },
    { tls: { cert, key } },
    'https://127.0.0.1:0',
  )
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false })
  t.teardown(() => agent.destroy())
  const upload = crypto.randomBytes(1024 * 1024)
  const up = await fetchVia(https, { host: '127.0.0.1', port, method: 'POST', path: '/up', agent, headers: { 'Content-Length': upload.length } }, upload)
  t.is(up.body.toString(), sha256(upload))
  for (let i = 0; i < 5; i++) {
    const down = await fetchVia(https, { host: '127.0.0.1', port, path: '/d'.padEnd(2 + i, 'x'), agent })
    t.is(down.body.length, 1024 * 1024)
    t.true(down.body.every((b) => b === 2 + i))
  }
  t.is(conns.size, 1)
})

test('https:// listener: plain HTTP is closed at once without a plaintext response, and TLS still works after', async (t) => {
  const { cert, key } = makeCert('ec')
  const calls = []
  const { port } = await startServer(
    t,
    (req, reply) => {
      calls.push(req.url)
      reply.send(200, {}, 'tls only')
    },
    // The default timeouts are long: closing must not wait for them, as it used to.
    { tls: { cert, key } },
    'https://127.0.0.1:0',
  )
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/plain'))
  const started = performance.now()
  const closed = await client.waitForClose(2000)
  t.true(closed, 'plaintext connection to a TLS listener still open after 2 s')
  t.log(`plaintext connection closed after ${(performance.now() - started).toFixed(0)} ms`)
  t.false(client.buf.toString('latin1').startsWith('HTTP/'), 'answered plaintext on a TLS port')
  t.deepEqual(calls, [])
  const res = await fetchVia(https, { host: '127.0.0.1', port, path: '/ok', rejectUnauthorized: false, agent: false })
  t.is(res.body.toString(), 'tls only')
})

test('https:// listener: bytes that start like a handshake record but cannot be a ClientHello are closed at once', async (t) => {
  const { cert, key } = makeCert('ec')
  const { port } = await startServer(t, (req, reply) => reply.send(200, {}, 'ok'), { tls: { cert, key } }, 'https://127.0.0.1:0')
  // Each declares a record longer than what is sent: a parser that trusts the header waits for the rest.
  const records = {
    'record version 9.x': [0x16, 0x09, 0x01, 0x02, 0x00, 0x01, 0x00],
    'empty record': [0x16, 0x03, 0x01, 0x00, 0x00, 0x01],
    'record over 2^14 bytes': [0x16, 0x03, 0x01, 0x48, 0x00, 0x01, 0x00],
    'a ServerHello, not a ClientHello': [0x16, 0x03, 0x03, 0x02, 0x00, 0x02, 0x00],
  }
  for (const [what, bytes] of Object.entries(records)) {
    const client = await RawClient.connect(port)
    t.teardown(() => client.destroy())
    await client.write(Buffer.from(bytes))
    t.true(await client.waitForClose(2000), `${what}: still open after 2 s`)
  }
  const res = await fetchVia(https, { host: '127.0.0.1', port, path: '/ok', rejectUnauthorized: false, agent: false })
  t.is(res.body.toString(), 'ok')
})

test('https:// listen without tls options rejects', async (t) => {
  const mgr = new Manager()
  t.teardown(() => mgr.close())
  const err = await t.throwsAsync(mgr.listen('https://127.0.0.1:0', () => {}))
  t.is(err.code, 'ERR_MGNODE_TLS')
})

test('https:// listen with an unparseable certificate and key rejects', async (t) => {
  const mgr = new Manager()
  t.teardown(() => mgr.close())
  const err = await t.throwsAsync(mgr.listen('https://127.0.0.1:0', () => {}, { tls: { cert: 'not a cert', key: 'not a key' } }))
  t.is(err.code, 'ERR_MGNODE_TLS')
})

test('https:// header timeout: a partial request head over TLS gets 408 or a close', async (t) => {
  const { cert, key } = makeCert('ec')
  const { port } = await startServer(t, (req, reply) => reply.send(200, {}, 'x'), { tls: { cert, key }, headersTimeout: 300, keepAliveTimeout: 60000 }, 'https://127.0.0.1:0')
  const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false })
  t.teardown(() => socket.destroy())
  let got = ''
  socket.on('data', (d) => (got += d.toString('latin1')))
  socket.on('error', () => {})
  await new Promise((resolve, reject) => {
    socket.once('secureConnect', resolve)
    socket.once('error', reject)
  })
  socket.write('GET / HTTP/1.1\r\nHost')
  const closed = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 5000)
    socket.once('close', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
  t.true(closed, 'TLS connection with a partial head still open after 5 s (headersTimeout 300 ms)')
  if (got) t.regex(got, /^HTTP\/1\.1 408 /)
})

test('https:// idle timeout closes a TLS connection that completed the handshake but sent nothing', async (t) => {
  const { cert, key } = makeCert('ec')
  const { port } = await startServer(t, (req, reply) => reply.send(200, {}, 'x'), { tls: { cert, key }, headersTimeout: 300, keepAliveTimeout: 300 }, 'https://127.0.0.1:0')
  const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false })
  t.teardown(() => socket.destroy())
  socket.on('error', () => {})
  const closed = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 5000)
    socket.once('close', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
  t.true(closed, 'silent TLS connection still open after 5 s')
})

test('TLS client that disconnects mid-handshake does not hurt the server', async (t) => {
  const { cert, key } = makeCert('ec')
  const { port } = await startServer(t, (req, reply) => reply.send(200, {}, 'ok'), { tls: { cert, key } }, 'https://127.0.0.1:0')
  for (let i = 0; i < 20; i++) {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false })
    s.on('error', () => {})
    setTimeout(() => s.destroy(), i % 5)
  }
  const res = await fetchVia(https, { host: '127.0.0.1', port, path: '/', rejectUnauthorized: false, agent: false })
  t.is(res.body.toString(), 'ok')
})

async function hasIPv6Loopback() {
  return new Promise((resolve) => {
    const srv = net.createServer()
    srv.once('error', () => resolve(false))
    srv.listen(0, '::1', () => srv.close(() => resolve(true)))
  })
}

test('IPv6: http://[::1]:0 listens and serves', async (t) => {
  if (!(await hasIPv6Loopback())) {
    t.log('no IPv6 loopback on this machine; nothing to test')
    t.pass()
    return
  }
  let seen
  const { port, host } = await startServer(
    t,
    (req, reply) => {
      seen = req
      reply.send(200, {}, `v6 ${req.remoteAddress}`)
    },
    undefined,
    'http://[::1]:0',
  )
  t.log('localAddr host:', host)
  t.true(host === '::1' || host === '[::1]', `localAddr host ${host}`)
  t.true(port > 0)
  const res = await fetchVia(http, { host: '::1', port, path: '/', agent: false })
  t.is(res.status, 200)
  t.is(seen.remoteAddress, '::1')
  t.is(seen.localAddress, '::1')
  t.is(res.body.toString(), 'v6 ::1')
  // the IPv6 listener does not answer on IPv4
  const err = await t.throwsAsync(RawClient.connect(port, '127.0.0.1'))
  t.is(err.code, 'ECONNREFUSED')
})

test('IPv6 https://[::1]:0 serves over TLS', async (t) => {
  if (!(await hasIPv6Loopback())) {
    t.log('no IPv6 loopback on this machine; nothing to test')
    t.pass()
    return
  }
  const { cert, key } = makeCert('ec')
  let seen
  const { port } = await startServer(
    t,
    (req, reply) => {
      seen = req
      reply.send(200, {}, 'v6 tls')
    },
    { tls: { cert, key } },
    'https://[::1]:0',
  )
  const res = await within(fetchVia(https, { host: '::1', port, path: '/', ca: cert, servername: 'localhost', agent: false }), 10000, 'no answer')
  t.is(res.body.toString(), 'v6 tls')
  t.is(seen.tls, true)
})
