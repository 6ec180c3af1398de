// TLS on rustls: key types and PEM layouts, protocol versions (node and
// openssl clients), SNI, ALPN, client certificates, resumption, and what
// garbage or cut-short handshakes get.
import test from 'ava'
import crypto from 'node:crypto'
import https from 'node:https'
import { createRequire } from 'node:module'
import tls from 'node:tls'

import { distIndex, startServer, within } from './helpers/server.mjs'
import {
  captureClientHello,
  encryptedKey,
  makePki,
  sClient,
  selfSigned,
  sendRaw,
  tlsGet,
  traditionalKey,
} from './helpers/tls.mjs'

const require = createRequire(import.meta.url)
const { createServer } = require(distIndex)

const hello = (req, reply) => reply.send(200, { 'content-type': 'text/plain' }, `hello ${req.url}`)

async function httpsServer(t, tlsOptions, handler = hello, options = {}) {
  const { port } = await startServer(t, handler, { tls: tlsOptions, ...options }, 'https://127.0.0.1:0')
  return port
}

/** Timeouts far longer than any test waits: a close the test sees is not theirs. */
const LONG_TIMEOUTS = { keepAliveTimeout: 120000, headersTimeout: 120000, requestTimeout: 120000 }

/** A createServer (node:https-style) server on a free port, closed on teardown. */
async function nodeStyleServer(t, options, listener) {
  const server = createServer(options, listener)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(() => resolve())))
  return { server, port: server.address().port }
}

for (const kind of ['rsa2048', 'rsa3072', 'rsa4096', 'p256', 'p384', 'ed25519']) {
  test(`a ${kind} certificate serves TLS 1.3 and 1.2 clients, which verify it`, async (t) => {
    const { cert, key, fingerprint256 } = selfSigned(kind)
    const port = await httpsServer(t, { cert, key })
    for (const maxVersion of ['TLSv1.3', 'TLSv1.2']) {
      // Ed25519 in TLS 1.2 needs the client to offer it; node's OpenSSL does.
      const got = await tlsGet(port, { ca: cert, maxVersion })
      t.is(got.error, undefined, `${kind} ${maxVersion}: ${got.error?.message}`)
      t.is(got.protocol, maxVersion)
      t.is(got.fingerprint256, fingerprint256)
      t.is(got.body, 'hello /')
    }
  })
}

test('keys in PKCS#1 and SEC1 layouts, and DER, are read as well as PKCS#8', async (t) => {
  for (const kind of ['rsa2048', 'p256']) {
    const { cert, key, fingerprint256 } = selfSigned(kind)
    const traditional = traditionalKey(key)
    t.regex(traditional, kind === 'p256' ? /BEGIN EC PRIVATE KEY/ : /BEGIN RSA PRIVATE KEY/)
    const der = crypto.createPrivateKey(key).export({ type: 'pkcs8', format: 'der' })
    for (const [layout, k] of [['traditional', traditional], ['der', der]]) {
      const port = await httpsServer(t, { cert, key: k })
      const got = await tlsGet(port, { ca: cert })
      t.is(got.fingerprint256, fingerprint256, `${kind} ${layout}`)
    }
  }
})

test('an X.509 version 1 certificate (openssl x509 -req without extensions) is served, as node:https serves it', async (t) => {
  const { execFileSync } = await import('node:child_process')
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const dir = mkdtempSync(join(tmpdir(), 'mgnode-v1-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const at = (name) => join(dir, name)
  const quiet = { stdio: 'ignore' }
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', at('key.pem'), '-out', at('req.csr'), '-subj', '/CN=localhost'], quiet)
  execFileSync('openssl', ['x509', '-req', '-in', at('req.csr'), '-signkey', at('key.pem'), '-out', at('cert.pem'), '-days', '2'], quiet)
  const cert = readFileSync(at('cert.pem'))
  t.is(new crypto.X509Certificate(cert).toLegacyObject().subject.CN, 'localhost')
  t.regex(execFileSync('openssl', ['x509', '-in', at('cert.pem'), '-noout', '-text']).toString(), /Version: 1 /)
  const port = await httpsServer(t, { cert, key: readFileSync(at('key.pem')) })
  const got = await tlsGet(port, { ca: cert })
  t.is(got.error, undefined, got.error?.message)
  t.is(got.body, 'hello /')
})

test('an encrypted key is read with its passphrase, and refused without it with ERR_MGNODE_TLS', async (t) => {
  const { cert, key } = selfSigned('p256')
  const locked = encryptedKey(key, 'open sesame')
  t.regex(locked, /BEGIN ENCRYPTED PRIVATE KEY/)
  const port = await httpsServer(t, { cert, key: locked, passphrase: 'open sesame' })
  t.is((await tlsGet(port, { ca: cert })).body, 'hello /')
  const perKey = await httpsServer(t, { cert, key: [{ pem: locked, passphrase: 'open sesame' }] })
  t.is((await tlsGet(perKey, { ca: cert })).body, 'hello /')
  const err = await t.throwsAsync(startServer(t, hello, { tls: { cert, key: locked } }, 'https://127.0.0.1:0'))
  t.is(err.code, 'ERR_MGNODE_TLS')
  t.regex(err.message, /encrypted: give its passphrase/)
  const wrong = await t.throwsAsync(startServer(t, hello, { tls: { cert, key: locked, passphrase: 'nope' } }, 'https://127.0.0.1:0'))
  t.is(wrong.code, 'ERR_MGNODE_TLS')
})

test('keys TLS cannot sign with, and a key that is not the certificate\'s, are refused at listen', async (t) => {
  for (const kind of ['rsa1024', 'p521']) {
    const { cert, key } = selfSigned(kind)
    const err = await t.throwsAsync(startServer(t, hello, { tls: { cert, key } }, 'https://127.0.0.1:0'))
    t.is(err.code, 'ERR_MGNODE_TLS', kind)
    t.regex(err.message, /unsupported key type.*RSA keys of 2048 to 8192 bits, ECDSA P-256 or P-384 keys, and Ed25519/, kind)
  }
  const a = selfSigned('p256')
  const b = selfSigned('p256')
  const err = await t.throwsAsync(startServer(t, hello, { tls: { cert: a.cert, key: b.key } }, 'https://127.0.0.1:0'))
  t.is(err.code, 'ERR_MGNODE_TLS')
  t.regex(err.message, /does not match/)
})

test('a chain (leaf then CA) is sent whole: a client trusting only the CA verifies the leaf', async (t) => {
  const pki = makePki('p256')
  const port = await httpsServer(t, { cert: pki.server.chain, key: pki.server.key })
  const got = await tlsGet(port, { ca: pki.ca.cert })
  t.is(got.error, undefined, got.error?.message)
  t.true(got.authorized)
  const leafOnly = await httpsServer(t, { cert: pki.server.cert, key: pki.server.key })
  t.is((await tlsGet(leafOnly, { ca: pki.ca.cert })).error, undefined)
})

test('an RSA and an ECDSA certificate together: each client gets one it can verify', async (t) => {
  const rsa = selfSigned('rsa2048')
  const ec = selfSigned('p256')
  const port = await httpsServer(t, { cert: [ec.cert, rsa.cert], key: [ec.key, rsa.key] })
  const any = await tlsGet(port, { ca: [ec.cert, rsa.cert] })
  t.is(any.fingerprint256, ec.fingerprint256)
  const rsaOnly = await tlsGet(port, { ca: [ec.cert, rsa.cert], maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' })
  t.is(rsaOnly.error, undefined, rsaOnly.error?.message)
  t.is(rsaOnly.fingerprint256, rsa.fingerprint256)
})

test('minVersion and maxVersion: a 1.3-only server refuses a 1.2-only client, and the other way round', async (t) => {
  const { cert, key } = selfSigned('p256')
  const only13 = await httpsServer(t, { cert, key, minVersion: 'TLSv1.3' })
  t.truthy((await tlsGet(only13, { ca: cert, maxVersion: 'TLSv1.2' })).error)
  t.is((await tlsGet(only13, { ca: cert })).protocol, 'TLSv1.3')
  const only12 = await httpsServer(t, { cert, key, maxVersion: 'TLSv1.2' })
  t.truthy((await tlsGet(only12, { ca: cert, minVersion: 'TLSv1.3' })).error)
  const twelve = await tlsGet(only12, { ca: cert })
  t.is(twelve.protocol, 'TLSv1.2')
  t.is(twelve.cipher.version, 'TLSv1.2')
  const err = await t.throwsAsync(startServer(t, hello, { tls: { cert, key, minVersion: 'SSLv3' } }, 'https://127.0.0.1:0'))
  t.is(err.code, 'ERR_MGNODE_TLS')
})

test('openssl s_client with -tls1_2 and with -tls1_3 gets the page', async (t) => {
  const { cert, key } = selfSigned('p256')
  const port = await httpsServer(t, { cert, key })
  for (const [flag, protocol] of [['-tls1_2', 'TLSv1.2'], ['-tls1_3', 'TLSv1.3']]) {
    const { out } = await sClient(port, [flag])
    t.regex(out, new RegExp(`Protocol\\s*:\\s*${protocol.replace('.', '\\.')}|New, ${protocol.replace('.', '\\.')}`), flag)
    t.regex(out, /HTTP\/1\.1 200 OK[\s\S]*hello \//, flag)
  }
})

test('SNI: contexts by name (exact and *.wildcard) and addContext pick the certificate, others get the default', async (t) => {
  const main = selfSigned('p256', { cn: 'main.test', dns: ['main.test'] })
  const a = selfSigned('p256', { cn: 'a.test', dns: ['a.test'] })
  const wild = selfSigned('rsa2048', { cn: '*.b.test', dns: ['*.b.test'] })
  const late = selfSigned('ed25519', { cn: 'late.test', dns: ['late.test'] })
  const { mgr, listener, port } = await startServer(
    t,
    hello,
    { tls: { cert: main.cert, key: main.key, contexts: { 'a.test': { cert: a.cert, key: a.key }, '*.b.test': { cert: wild.cert, key: wild.key } } } },
    'https://127.0.0.1:0',
  )
  mgr.addContext(listener.id, 'late.test', tls.createSecureContext({ cert: late.cert, key: late.key }))
  const seen = async (servername) => (await tlsGet(port, { servername, rejectUnauthorized: false })).fingerprint256
  t.is(await seen('a.test'), a.fingerprint256)
  t.is(await seen('A.TEST'), a.fingerprint256)
  t.is(await seen('x.b.test'), wild.fingerprint256)
  t.is(await seen('x.y.b.test'), main.fingerprint256)
  t.is(await seen('other.test'), main.fingerprint256)
  t.is(await seen('late.test'), late.fingerprint256)
  const noSni = await tlsGet(port, { servername: '', rejectUnauthorized: false })
  t.is(noSni.fingerprint256, main.fingerprint256)
})

test('SNICallback chooses asynchronously (tls.createSecureContext or options); an error refuses the handshake', async (t) => {
  const main = selfSigned('p256')
  const a = selfSigned('p384', { cn: 'a.test', dns: ['a.test'] })
  const b = selfSigned('rsa2048', { cn: 'b.test', dns: ['b.test'] })
  const contexts = { 'a.test': tls.createSecureContext({ cert: a.cert, key: a.key }), 'b.test': { cert: b.cert, key: b.key } }
  const asked = []
  const SNICallback = (name, cb) => {
    asked.push(name)
    setTimeout(() => (name === 'refuse.test' ? cb(new Error('no')) : cb(null, contexts[name])), 5)
  }
  const { port } = await nodeStyleServer(t, { cert: main.cert, key: main.key, SNICallback }, (req, res) => res.end(`sni ${req.socket.servername}`))
  const a1 = await tlsGet(port, { servername: 'a.test', rejectUnauthorized: false })
  t.is(a1.fingerprint256, a.fingerprint256)
  t.is(a1.body, 'sni a.test')
  t.is((await tlsGet(port, { servername: 'b.test', rejectUnauthorized: false })).fingerprint256, b.fingerprint256)
  t.is((await tlsGet(port, { servername: 'c.test', rejectUnauthorized: false })).fingerprint256, main.fingerprint256)
  t.truthy((await tlsGet(port, { servername: 'refuse.test', rejectUnauthorized: false })).error)
  t.deepEqual(asked, ['a.test', 'b.test', 'c.test', 'refuse.test'])
})

test('ALPN: http/1.1 is chosen when offered; a client offering only h2 is refused, as node:https does', async (t) => {
  const { cert, key } = selfSigned('p256')
  const port = await httpsServer(t, { cert, key })
  t.is((await tlsGet(port, { ca: cert, ALPNProtocols: ['h2', 'http/1.1'] })).alpn, 'http/1.1')
  t.is((await tlsGet(port, { ca: cert })).alpn, false)
  const h2 = await tlsGet(port, { ca: cert, ALPNProtocols: ['h2'] })
  t.regex(String(h2.error?.message), /no application protocol/)
})

test('mTLS: a client certificate the CA issued is accepted, and the app sees it; none, or a stranger\'s, is refused', async (t) => {
  const pki = makePki('p256')
  const stranger = selfSigned('p256', { cn: 'stranger', client: true })
  const seen = []
  const { port } = await nodeStyleServer(t, { cert: pki.server.chain, key: pki.server.key, ca: pki.ca.cert, requestCert: true }, (req, res) => {
    const s = req.socket
    seen.push({ authorized: s.authorized, error: s.authorizationError, cn: s.getPeerCertificate().subject?.CN })
    res.end('in')
  })
  const ok = await tlsGet(port, { ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key })
  t.is(ok.body, 'in')
  t.deepEqual(seen, [{ authorized: true, error: null, cn: 'test client' }])
  const none = await tlsGet(port, { ca: pki.ca.cert })
  t.truthy(none.error ?? (none.status ? undefined : 'refused'), 'a client without a certificate was served')
  t.not(none.body, 'in')
  const other = await tlsGet(port, { ca: pki.ca.cert, cert: stranger.cert, key: stranger.key })
  t.not(other.body, 'in')
  t.is(seen.length, 1)
})

test('mTLS with rejectUnauthorized: false: everyone is served, with authorized and authorizationError as node sets them', async (t) => {
  const pki = makePki('p256')
  const stranger = selfSigned('p256', { cn: 'stranger', client: true })
  const { port } = await nodeStyleServer(
    t,
    { cert: pki.server.chain, key: pki.server.key, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const s = req.socket
      const peer = s.getPeerCertificate(true)
      res.end(JSON.stringify({ a: s.authorized, e: s.authorizationError, cn: peer.subject?.CN ?? null, issuer: peer.issuerCertificate?.subject?.CN ?? null }))
    },
  )
  const get = async (opts) => JSON.parse((await tlsGet(port, { ca: pki.ca.cert, ...opts })).body)
  // node's client sends the issuer with its certificate (OpenSSL completes the chain from ca).
  t.deepEqual(await get({ cert: pki.client.cert, key: pki.client.key }), { a: true, e: null, cn: 'test client', issuer: 'mgnode test CA' })
  t.deepEqual(await get({}), { a: false, e: 'UNABLE_TO_GET_ISSUER_CERT', cn: null, issuer: null })
  t.deepEqual(await get({ cert: stranger.cert, key: stranger.key }), { a: false, e: 'DEPTH_ZERO_SELF_SIGNED_CERT', cn: 'stranger', issuer: null })
})

test('the socket reports protocol, cipher, ALPN and server name as tls.TLSSocket does', async (t) => {
  const { cert, key } = selfSigned('p256')
  const { port } = await nodeStyleServer(t, { cert, key }, (req, res) => {
    const s = req.socket
    res.end(JSON.stringify({ p: s.getProtocol(), c: s.getCipher(), alpn: s.alpnProtocol, sn: s.servername, enc: s.encrypted, a: s.authorized }))
  })
  const thirteen = JSON.parse((await tlsGet(port, { ca: cert, ALPNProtocols: ['http/1.1'] })).body)
  t.is(thirteen.p, 'TLSv1.3')
  t.regex(thirteen.c.standardName, /^TLS_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$/)
  t.is(thirteen.c.name, thirteen.c.standardName)
  t.is(thirteen.alpn, 'http/1.1')
  t.is(thirteen.sn, 'localhost')
  t.is(thirteen.enc, true)
  t.is(thirteen.a, false)
  const twelve = JSON.parse((await tlsGet(port, { ca: cert, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).body)
  t.deepEqual(twelve.c, { name: 'ECDHE-ECDSA-AES128-GCM-SHA256', standardName: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', version: 'TLSv1.2' })
  // A plain connection's socket has none of it.
  const plain = createServer((req, res) => res.end(String(typeof req.socket.getPeerCertificate)))
  await new Promise((resolve) => plain.listen(0, '127.0.0.1', resolve))
  t.teardown(() => plain.close())
  const res = await fetch(`http://127.0.0.1:${plain.address().port}/`)
  t.is(await res.text(), 'undefined')
})

for (const maxVersion of ['TLSv1.3', 'TLSv1.2']) {
  test(`resumption (${maxVersion}): a client reconnecting with its session resumes it, and the server socket says so`, async (t) => {
    const { cert, key } = selfSigned('p256')
    const { port } = await nodeStyleServer(t, { cert, key }, (req, res) => res.end(String(req.socket.isSessionReused())))
    const first = await tlsGet(port, { ca: cert, maxVersion })
    t.is(first.body, 'false')
    t.truthy(first.session, 'no session to resume')
    const again = await tlsGet(port, { ca: cert, maxVersion, session: first.session })
    t.is(again.reused, true)
    t.is(again.body, 'true')
    t.is(again.protocol, maxVersion)
  })
}

test('garbage instead of a ClientHello is closed at once, with nothing an HTTP client could read', async (t) => {
  const { cert, key } = selfSigned('p256')
  const port = await httpsServer(t, { cert, key }, hello, LONG_TIMEOUTS)
  for (const bytes of [crypto.randomBytes(300), Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0xff, 0xff, 0xff, 0xff, 0xff])]) {
    // The timeouts are a minute: a close within seconds is the handshake's refusal.
    const got = await sendRaw(port, bytes, { wait: 10000 })
    t.true(got.closed, `still open after ${bytes.subarray(0, 8).toString('hex')}`)
    t.log(`${bytes.subarray(0, 4).toString('hex')}…: closed after ${got.ms.toFixed(0)} ms`)
    t.false(got.got.toString('latin1').startsWith('HTTP/'))
  }
  t.is((await tlsGet(port, { ca: cert })).body, 'hello /')
})

test('a ClientHello cut short is closed at once when the client ends, and a corrupted one at once anyway', async (t) => {
  const { cert, key } = selfSigned('p256')
  const port = await httpsServer(t, { cert, key }, hello, LONG_TIMEOUTS)
  const clientHello = await captureClientHello()
  t.is(clientHello[0], 0x16)
  const cut = await sendRaw(port, clientHello.subarray(0, clientHello.length >> 1), { end: true, wait: 10000 })
  t.true(cut.closed)
  t.log(`cut-short hello closed after ${cut.ms.toFixed(0)} ms`)
  const corrupted = Buffer.from(clientHello)
  corrupted.fill(0xee, 9, 60)
  const bad = await sendRaw(port, corrupted, { wait: 10000 })
  t.true(bad.closed, 'a corrupted ClientHello left the connection open')
  t.log(`corrupted hello closed after ${bad.ms.toFixed(0)} ms`)
  t.is((await tlsGet(port, { ca: cert })).body, 'hello /')
})

test('RSA handshakes (made in the handshake pool) interleave with plain HTTP on the same manager', async (t) => {
  const { cert, key } = selfSigned('rsa4096')
  const { mgr, port } = await startServer(t, hello, { tls: { cert, key } }, 'https://127.0.0.1:0')
  const plain = await mgr.listen('http://127.0.0.1:0', hello)
  const plainUrl = `http://127.0.0.1:${plain.localAddr[1]}/p`
  const secure = Array.from({ length: 12 }, () => tlsGet(port, { ca: cert }))
  const plainBodies = []
  for (let i = 0; i < 20; i++) plainBodies.push(await (await fetch(plainUrl)).text())
  const results = await within(Promise.all(secure), 30000, 'RSA handshakes did not finish')
  t.deepEqual(results.map((r) => r.body), Array(12).fill('hello /'))
  t.deepEqual(plainBodies, Array(20).fill('hello /p'))
})

test('a large response over TLS arrives whole through a slow reader, then the connection closes cleanly', async (t) => {
  const { cert, key } = selfSigned('p256')
  const body = crypto.randomBytes(3 * 1024 * 1024)
  const port = await httpsServer(t, { cert, key }, (req, reply) => reply.send(200, { connection: 'close' }, body))
  const got = await new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, ca: cert, servername: 'localhost', agent: false }, (res) => {
      const parts = []
      res.on('data', (d) => {
        parts.push(d)
        res.pause()
        setTimeout(() => res.resume(), 1)
      })
      res.on('end', () => resolve(Buffer.concat(parts)))
      res.on('error', reject)
    })
    req.on('error', reject)
  })
  t.is(got.length, body.length)
  t.true(got.equals(body))
})
