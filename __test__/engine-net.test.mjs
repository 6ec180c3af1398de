// https:// with a generated certificate, IPv6 loopback.
import test from 'ava'
import https from 'node:https'
import http from 'node:http'
import net from 'node:net'
import tls from 'node:tls'
import crypto from 'node:crypto'
import { Manager, startServer, makeCert, sha256, within } from './helpers/server.mjs'
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

for (const kind of ['rsa', 'ec']) {
  test(`https:// with a self-signed ${kind} certificate: response, req.tls, certificate presented`, async (t) => {
    const { cert, key, fingerprint256 } = makeCert(kind)
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
    t.log(`${kind}: negotiated ${res.protocol}`)
    t.is(seen.tls, true)
    t.is(seen.localPort, port)
  })
}

test('https:// accepts certificate and key as Buffers', async (t) => {
  const { cert, key } = makeCert('rsa')
  const { port } = await startServer(t, (req, reply) => reply.send(200, {}, 'buf'), { tls: { cert: Buffer.from(cert), key: Buffer.from(key) } }, 'https://127.0.0.1:0')
  const res = await fetchVia(https, { host: '127.0.0.1', port, path: '/', rejectUnauthorized: false, agent: false })
  t.is(res.body.toString(), 'buf')
})

test('https:// keep-alive, a 1 MiB upload and a 1 MiB download over one TLS connection', async (t) => {
  const { cert, key } = makeCert('rsa')
  const conns = new Set()
  const { port } = await startServer(
    t,
    (req, reply) => {
      conns.add(req.connId)
      if (req.method === 'POST') reply.send(200, {}, sha256(req.body))
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

test('https:// listener: plain HTTP bytes do not produce a plaintext response, and TLS still works after', async (t) => {
  const { cert, key } = makeCert('rsa')
  const calls = []
  const { port } = await startServer(
    t,
    (req, reply) => {
      calls.push(req.url)
      reply.send(200, {}, 'tls only')
    },
    { tls: { cert, key } },
    'https://127.0.0.1:0',
  )
  const client = await RawClient.connect(port)
  t.teardown(() => client.destroy())
  await client.write(requestHead('GET', '/plain'))
  const closed = await client.waitForClose(5000)
  t.true(closed, 'plaintext connection to a TLS listener left open')
  t.false(client.buf.toString('latin1').startsWith('HTTP/'), 'answered plaintext on a TLS port')
  t.deepEqual(calls, [])
  const res = await fetchVia(https, { host: '127.0.0.1', port, path: '/ok', rejectUnauthorized: false, agent: false })
  t.is(res.body.toString(), 'tls only')
})

test('https:// listen without tls options rejects, or a bad key rejects', async (t) => {
  const mgr = new Manager()
  t.teardown(() => mgr.close())
  const e1 = await t.throwsAsync(mgr.listen('https://127.0.0.1:0', () => {}))
  t.log('https without tls:', e1.message)
  const e2 = await t.throwsAsync(mgr.listen('https://127.0.0.1:0', () => {}, { tls: { cert: 'not a cert', key: 'not a key' } }))
  t.log('https with garbage PEM:', e2.message)
})

test('TLS client that disconnects mid-handshake does not hurt the server', async (t) => {
  const { cert, key } = makeCert('rsa')
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
  const { cert, key } = makeCert('rsa')
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
