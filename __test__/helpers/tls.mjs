// Certificates for TLS tests, made with the openssl command line: self-signed
// ones of every key type, a CA with leaves and client certificates, keys in
// each PEM layout, encrypted keys; and TLS clients that report what they saw.
import { execFileSync, spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import tls from 'node:tls'

const NEWKEY = {
  rsa2048: ['rsa', '-pkeyopt', 'rsa_keygen_bits:2048'],
  rsa3072: ['rsa', '-pkeyopt', 'rsa_keygen_bits:3072'],
  rsa4096: ['rsa', '-pkeyopt', 'rsa_keygen_bits:4096'],
  rsa1024: ['rsa', '-pkeyopt', 'rsa_keygen_bits:1024'],
  p256: ['ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
  p384: ['ec', '-pkeyopt', 'ec_paramgen_curve:secp384r1'],
  p521: ['ec', '-pkeyopt', 'ec_paramgen_curve:secp521r1'],
  ed25519: ['ed25519'],
}

function openssl(args, input) {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] })
}

function inTempDir(fn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgnode-tls-'))
  try {
    return fn((name) => path.join(dir, name))
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** A new private key of `kind` (see NEWKEY), PKCS#8 PEM. */
export function makeKey(kind) {
  const [alg, ...opts] = NEWKEY[kind]
  return openssl(['genpkey', '-algorithm', alg, ...opts]).toString()
}

/** The same key as PKCS#1 (RSA) or SEC1 (EC): openssl's "traditional" layout. */
export function traditionalKey(pem) {
  return openssl(['pkey', '-traditional'], pem).toString()
}

/** The key encrypted with `passphrase` (PKCS#8, AES-256). */
export function encryptedKey(pem, passphrase) {
  return openssl(['pkey', '-aes256', '-passout', `pass:${passphrase}`], pem).toString()
}

/**
 * A certificate for `key`: self-signed, or issued by `issuer` ({ cert, key }).
 * `ca` makes it a CA; `client` gives it clientAuth usage.
 */
export function makeCertFor(key, { cn = 'localhost', issuer, ca = false, client = false, days = 2, dns = ['localhost'] } = {}) {
  return inTempDir((file) => {
    fs.writeFileSync(file('key.pem'), key)
    const ext = [
      ca ? 'basicConstraints=critical,CA:TRUE' : 'basicConstraints=CA:FALSE',
      ca ? 'keyUsage=critical,keyCertSign,cRLSign' : 'keyUsage=critical,digitalSignature,keyEncipherment',
      ...(ca ? [] : [`extendedKeyUsage=${client ? 'clientAuth' : 'serverAuth'}`]),
      ...(ca || client ? [] : [`subjectAltName=${[...dns.map((d) => `DNS:${d}`), 'IP:127.0.0.1'].join(',')}`]),
    ]
    fs.writeFileSync(file('ext.cnf'), ext.join('\n') + '\n')
    openssl(['req', '-new', '-key', file('key.pem'), '-subj', `/CN=${cn}`, '-out', file('req.csr')])
    const signer = issuer
      ? (() => {
          fs.writeFileSync(file('ca.pem'), issuer.cert)
          fs.writeFileSync(file('ca-key.pem'), issuer.key)
          return ['-CA', file('ca.pem'), '-CAkey', file('ca-key.pem'), '-set_serial', String(crypto.randomInt(1, 2 ** 31))]
        })()
      : ['-signkey', file('key.pem')]
    openssl(['x509', '-req', '-in', file('req.csr'), ...signer, '-days', String(days), '-extfile', file('ext.cnf'), '-out', file('cert.pem')])
    return fs.readFileSync(file('cert.pem'), 'utf8')
  })
}

/** A self-signed server certificate of `kind`, with its key and SHA-256 fingerprint. */
export function selfSigned(kind, options = {}) {
  const key = makeKey(kind)
  const cert = makeCertFor(key, options)
  return { key, cert, fingerprint256: new crypto.X509Certificate(cert).fingerprint256 }
}

/** A CA, a server certificate it issued (chain: leaf then CA) and a client certificate it issued. */
export function makePki(kind = 'p256') {
  const caKey = makeKey(kind)
  const ca = { key: caKey, cert: makeCertFor(caKey, { cn: 'mgnode test CA', ca: true }) }
  const serverKey = makeKey(kind)
  const serverCert = makeCertFor(serverKey, { cn: 'localhost', issuer: ca })
  const clientKey = makeKey(kind)
  const clientCert = makeCertFor(clientKey, { cn: 'test client', issuer: ca, client: true })
  return { ca, server: { key: serverKey, cert: serverCert, chain: serverCert + ca.cert }, client: { key: clientKey, cert: clientCert } }
}

/**
 * One TLS connection: handshake, an HTTP GET, the whole answer. Resolves
 * { protocol, cipher, alpn, reused, session, fingerprint256, body } or { error }.
 */
export function tlsGet(port, options = {}, path = '/') {
  return new Promise((resolve) => {
    let session
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...options })
    const parts = []
    let seen
    socket.on('session', (s) => (session = s))
    socket.once('secureConnect', () => {
      seen = {
        protocol: socket.getProtocol(),
        cipher: socket.getCipher(),
        alpn: socket.alpnProtocol,
        reused: socket.isSessionReused(),
        fingerprint256: socket.getPeerCertificate().fingerprint256,
        authorized: socket.authorized,
      }
      socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`)
    })
    socket.on('data', (d) => parts.push(d))
    socket.on('error', (error) => resolve({ error, ...seen }))
    socket.on('close', () => {
      const text = Buffer.concat(parts).toString()
      if (seen === undefined) return resolve({ error: new Error('closed before the handshake completed') })
      resolve({ ...seen, session, status: Number(text.slice(9, 12)), body: text.slice(text.indexOf('\r\n\r\n') + 4) })
    })
    socket.setTimeout(10000, () => socket.destroy(new Error('timed out')))
  })
}

/** Runs `openssl s_client` with `args` against the port: its output and exit code. */
export function sClient(port, args, request = 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n') {
  return new Promise((resolve) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-ign_eof', ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    const timer = setTimeout(() => child.kill(), 10000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, out })
    })
    child.stdin.end(request)
  })
}

/** The first bytes a TLS client sends (its ClientHello record), captured off a local socket. */
export function captureClientHello(options = {}) {
  return new Promise((resolve, reject) => {
    const server = net.createServer((s) => {
      s.once('data', (d) => {
        resolve(d)
        s.destroy()
        server.close()
      })
    })
    server.listen(0, '127.0.0.1', () => {
      const c = tls.connect({ host: '127.0.0.1', port: server.address().port, servername: 'localhost', rejectUnauthorized: false, ...options })
      c.on('error', () => {})
    })
    server.on('error', reject)
  })
}

/** Connects, sends `bytes` (and ends if `end`), resolves how the connection ended and what came back. */
export function sendRaw(port, bytes, { end = false, wait = 3000 } = {}) {
  return new Promise((resolve) => {
    const started = performance.now()
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(bytes)
      if (end) socket.end()
    })
    const parts = []
    socket.on('data', (d) => parts.push(d))
    socket.on('error', () => {})
    const timer = setTimeout(() => {
      socket.destroy()
      resolve({ closed: false, got: Buffer.concat(parts) })
    }, wait)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve({ closed: true, ms: performance.now() - started, got: Buffer.concat(parts) })
    })
  })
}
