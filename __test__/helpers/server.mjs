// Shared set-up for engine tests: a Manager per test, closed on teardown.
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import crypto from 'node:crypto'
import { scaled } from './slowdown.mjs'

const require = createRequire(import.meta.url)
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const distIndex = path.join(root, 'dist', 'index.js')
export const { Manager } = require(distIndex)

/** Find a header value (case-insensitive) in an engine request's rawHeaders; joins duplicates with ', '. */
export function header(req, name) {
  const lower = name.toLowerCase()
  const vals = []
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i].toLowerCase() === lower) vals.push(req.rawHeaders[i + 1])
  }
  return vals.length ? vals.join(', ') : undefined
}

/**
 * Create a Manager, listen with `handler`, close on teardown.
 * Returns { mgr, listener, port, host }.
 */
export async function startServer(t, handler, options, url = 'http://127.0.0.1:0') {
  const mgr = new Manager()
  let closed = false
  t.teardown(async () => {
    if (!closed) {
      closed = true
      await mgr.close()
    }
  })
  const listener = options === undefined ? await mgr.listen(url, handler) : await mgr.listen(url, handler, options)
  const [host, port] = listener.localAddr
  return {
    mgr,
    listener,
    host,
    port,
    async close() {
      if (!closed) {
        closed = true
        await mgr.close()
      }
    },
  }
}

/** A Manager request's whole body: `req.body`, or its stream read to the end when it streams. */
export async function wholeBody(req) {
  return req.streamed ? Buffer.concat(await req.bodyStream.toArray()) : req.body
}

export const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex')

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Reject with `message` (a string, or a function called at timeout) if `promise` has not settled within `ms`. */
export function within(promise, unscaledMs, message) {
  const ms = scaled(unscaledMs)
  let timer
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${typeof message === 'function' ? message() : message} (not within ${ms} ms)`)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

/** A promise plus its resolve function. */
export function deferred() {
  let resolve, reject
  const promise = new Promise((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/**
 * Generate a self-signed certificate with openssl into a temporary directory.
 * kind: 'rsa' (rsa:2048, as a user would), 'ec' (P-256), or others tests refuse:
 * 'rsa1024', 'ec384', 'ed25519'.
 */
export function makeCert(kind = 'rsa') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgnode-cert-'))
  const keyFile = path.join(dir, 'k.pem')
  const certFile = path.join(dir, 'c.pem')
  const newkey = {
    rsa: ['-newkey', 'rsa:2048'],
    rsa1024: ['-newkey', 'rsa:1024'],
    ec: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
    ec384: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp384r1'],
    ed25519: ['-newkey', 'ed25519'],
  }[kind]
  execFileSync(
    'openssl',
    ['req', '-x509', ...newkey, '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  const cert = fs.readFileSync(certFile, 'utf8')
  const key = fs.readFileSync(keyFile, 'utf8')
  fs.rmSync(dir, { recursive: true, force: true })
  const fingerprint256 = new crypto.X509Certificate(cert).fingerprint256
  return { cert, key, fingerprint256 }
}
