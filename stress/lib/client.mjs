// Raw clients on loopback: a connection that sends bytes exactly as given
// and keeps every byte the server sends back; every wait is bounded.
import net from 'node:net'
import tls from 'node:tls'

import { parseResponses } from './http-response.mjs'

export const HOST = '127.0.0.1'
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Opens a connection (TLS without verification when `secure`); rejects after `timeoutMs`. */
export function connect(port, { secure = false, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const socket = secure
      ? tls.connect({ port, host: HOST, rejectUnauthorized: false, servername: 'localhost' })
      : net.connect({ port, host: HOST })
    const timer = setTimeout(() => {
      socket.destroy()
      reject(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' }))
    }, timeoutMs)
    socket.once('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer)
      socket.removeAllListeners('error')
      resolve(socket)
    })
  })
}

/**
 * Collects what the server sends on `socket` until it closes, until `quietMs`
 * pass without a byte once something arrived (or `until(data)` says enough),
 * or `maxMs` in all. Resolves `{ data, closed, error, ms }`, `closed` true
 * when the server ended or reset the connection.
 */
export function collect(socket, { quietMs = 200, maxMs = 5000, until = null } = {}) {
  const started = Date.now()
  return new Promise((resolve) => {
    const chunks = []
    let size = 0
    let quiet = null
    let error = null
    let settled = false
    const finish = (closed) => {
      if (settled) return
      settled = true
      clearTimeout(overall)
      clearTimeout(quiet)
      socket.off('data', onData)
      resolve({ data: Buffer.concat(chunks, size), closed, error, ms: Date.now() - started })
    }
    const onData = (d) => {
      chunks.push(d)
      size += d.length
      clearTimeout(quiet)
      if (until !== null && until(Buffer.concat(chunks, size))) return finish(false)
      quiet = setTimeout(() => finish(false), quietMs)
    }
    const overall = setTimeout(() => finish(false), maxMs)
    socket.on('data', onData)
    socket.once('end', () => finish(true))
    socket.once('close', () => finish(true))
    socket.once('error', (err) => {
      error = err.code ?? err.message
      finish(true)
    })
  })
}

/** Writes `parts` to `socket`, `gapMs` apart; resolves once all are written (false if the socket failed). */
export async function writeParts(socket, parts, gapMs = 0) {
  for (let i = 0; i < parts.length; i++) {
    if (i > 0 && gapMs > 0) await sleep(gapMs)
    if (socket.destroyed || !socket.writable) return false
    const ok = await new Promise((resolve) => socket.write(parts[i], (err) => resolve(!err)))
    if (!ok) return false
  }
  return true
}

/** GET `path` on a connection of its own; the parsed response, or `{ error }`. */
export async function get(port, path = '/', { secure = false, maxMs = 5000 } = {}) {
  let socket
  try {
    socket = await connect(port, { secure, timeoutMs: maxMs })
  } catch (err) {
    return { error: err.code ?? err.message }
  }
  socket.write(`GET ${path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`)
  const got = await collect(socket, { quietMs: maxMs, maxMs })
  socket.destroy()
  const { responses } = parseResponses(got.data, got.closed)
  return responses[0] ?? { error: got.error ?? (got.closed ? 'closed without a response' : 'no response') }
}

/**
 * A keep-alive connection that sends one request at a time and reads each
 * response whole. `request()` resolves `{ status, headers, bodyLength }`, or
 * `{ error, partial }` when the connection ended first (`partial`: some of the
 * response had arrived, i.e. it was cut short).
 */
export class KeepAlive {
  static async open(port, options) {
    return new KeepAlive(await connect(port, options))
  }

  constructor(socket) {
    this.socket = socket
    this.buf = Buffer.alloc(0)
    this.ended = false
    this.error = null
    this.waiter = null
    socket.on('data', (d) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d
      this.waiter?.()
    })
    const end = (err) => {
      if (err) this.error = err.code ?? err.message
      this.ended = true
      this.waiter?.()
    }
    socket.on('end', () => end())
    socket.on('close', () => end())
    socket.on('error', end)
  }

  request(bytes, maxMs = 10_000) {
    if (this.ended) return Promise.resolve({ error: this.error ?? 'closed', partial: false, unsent: true })
    this.socket.write(bytes)
    return new Promise((resolve) => {
      const timer = setTimeout(() => done({ error: 'timeout', partial: this.buf.length > 0 }), maxMs)
      const done = (r) => {
        clearTimeout(timer)
        this.waiter = null
        resolve(r)
      }
      const check = () => {
        const { responses, bad } = parseResponses(this.buf, this.ended)
        if (bad) return done({ error: `bad response: ${bad}`, partial: true })
        if (responses.length > 0) {
          this.buf = this.buf.subarray(responses[0].end)
          return done(responses[0])
        }
        if (this.ended) done({ error: this.error ?? 'closed', partial: this.buf.length > 0 })
      }
      this.waiter = check
      check()
    })
  }

  close() {
    this.socket.destroy()
  }
}

/** Runs `fn(i)` for i in [0, n) with at most `limit` at once; resolves the results in order. */
export async function pool(n, limit, fn) {
  const results = new Array(n)
  let next = 0
  const worker = async () => {
    while (next < n) {
      const i = next++
      results[i] = await fn(i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker))
  return results
}
