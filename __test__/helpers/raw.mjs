// Raw HTTP/1.x over node:net for engine tests.
//
// `RawClient` keeps every byte the server sends in `buf`, and parses complete
// responses out of it on demand (Content-Length, chunked, or read-until-close
// bodies; 1xx interim responses are returned as responses of their own).
import net from 'node:net'
import { scaled } from './slowdown.mjs'

export class IncompleteResponseError extends Error {
  constructor(message, partial) {
    super(message)
    this.name = 'IncompleteResponseError'
    this.partial = partial
  }
}

const CRLF2 = Buffer.from('\r\n\r\n')

/**
 * Try to parse one response at the start of `buf`.
 * Returns `{ res, consumed }`, or `null` when more bytes are needed.
 * Throws on bytes that cannot be an HTTP response.
 * `ended` says the peer has closed (completes read-until-close bodies).
 */
export function parseResponse(buf, { head = false, ended = false } = {}) {
  const headEnd = buf.indexOf(CRLF2)
  if (headEnd < 0) return null
  const headText = buf.subarray(0, headEnd).toString('latin1')
  const lines = headText.split('\r\n')
  const m = /^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/.exec(lines[0])
  if (!m) {
    throw new Error(`bad status line: ${JSON.stringify(lines[0])} (head ${JSON.stringify(headText.slice(0, 300))})`)
  }
  const rawHeaders = []
  const headers = {}
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':')
    if (i <= 0) throw new Error(`bad response header line: ${JSON.stringify(line)}`)
    const name = line.slice(0, i)
    const value = line.slice(i + 1).trim()
    rawHeaders.push(name, value)
    const key = name.toLowerCase()
    ;(headers[key] ??= []).push(value)
  }
  const status = Number(m[2])
  const res = {
    version: m[1],
    status,
    statusText: m[3] ?? '',
    rawHeaders,
    headers,
    header(name) {
      const v = headers[name.toLowerCase()]
      return v === undefined ? undefined : v.join(', ')
    },
    body: Buffer.alloc(0),
    chunked: false,
    head: buf.subarray(0, headEnd + 4).toString('latin1'),
  }
  let pos = headEnd + 4
  const noBody = head || (status >= 100 && status < 200) || status === 204 || status === 304
  if (noBody) return { res, consumed: pos }

  const te = res.header('transfer-encoding')
  const cl = res.header('content-length')
  if (te !== undefined && /chunked/i.test(te)) {
    res.chunked = true
    const parts = []
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', pos)
      if (lineEnd < 0) return null
      const sizeText = buf.subarray(pos, lineEnd).toString('latin1').split(';')[0].trim()
      if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw new Error(`bad chunk size line: ${JSON.stringify(sizeText)}`)
      const size = parseInt(sizeText, 16)
      pos = lineEnd + 2
      if (size === 0) {
        // trailers, then an empty line
        for (;;) {
          const e = buf.indexOf('\r\n', pos)
          if (e < 0) return null
          const empty = e === pos
          pos = e + 2
          if (empty) break
        }
        break
      }
      if (buf.length < pos + size + 2) return null
      parts.push(buf.subarray(pos, pos + size))
      if (buf[pos + size] !== 13 || buf[pos + size + 1] !== 10) throw new Error('chunk not followed by CRLF')
      pos += size + 2
    }
    res.body = Buffer.concat(parts)
    return { res, consumed: pos }
  }
  if (cl !== undefined) {
    if (!/^\d+$/.test(cl)) throw new Error(`bad content-length in response: ${JSON.stringify(cl)}`)
    const n = Number(cl)
    if (buf.length < pos + n) return null
    res.body = Buffer.from(buf.subarray(pos, pos + n))
    return { res, consumed: pos + n }
  }
  // no framing: body runs until the connection closes
  if (!ended) return null
  res.body = Buffer.from(buf.subarray(pos))
  res.untilClose = true
  return { res, consumed: buf.length }
}

export class RawClient {
  static connect(port, host = '127.0.0.1', { timeout = 5000 } = {}) {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host })
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new Error(`connect to ${host}:${port} timed out`))
      }, scaled(timeout))
      socket.once('error', (err) => {
        clearTimeout(timer)
        reject(err)
      })
      socket.once('connect', () => {
        clearTimeout(timer)
        socket.removeAllListeners('error')
        resolve(new RawClient(socket))
      })
    })
  }

  constructor(socket) {
    this.socket = socket
    this.buf = Buffer.alloc(0)
    this.ended = false // server's FIN (or reset) seen
    this.error = null
    this.received = 0
    this._waiters = new Set()
    socket.on('data', (d) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d
      this.received += d.length
      this._notify()
    })
    socket.on('end', () => {
      this.ended = true
      this._notify()
    })
    socket.on('error', (err) => {
      this.error = err
      this.ended = true
      this._notify()
    })
    socket.on('close', () => {
      this.ended = true
      this._notify()
    })
  }

  get localPort() {
    return this.socket.localPort
  }

  _notify() {
    for (const w of this._waiters) w()
  }

  /** Resolve when `pred()` is true; re-checked on each data/end event. Rejects after `timeout` ms. */
  waitFor(pred, timeout, what) {
    return new Promise((resolve, reject) => {
      const check = () => {
        let v
        try {
          v = pred()
        } catch (err) {
          done()
          reject(err)
          return
        }
        if (v) {
          done()
          resolve(v)
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`timed out after ${scaled(timeout)} ms waiting for ${what}; received so far: ${preview(this.buf)}`))
      }, scaled(timeout))
      const done = () => {
        clearTimeout(timer)
        this._waiters.delete(check)
      }
      this._waiters.add(check)
      check()
    })
  }

  write(data) {
    return new Promise((resolve, reject) => {
      this.socket.write(data, (err) => (err ? reject(err) : resolve()))
    })
  }

  /** Parse and consume the next response. `head: true` for a response to HEAD. */
  readResponse({ head = false, timeout = 5000 } = {}) {
    return this.waitFor(
      () => {
        const r = parseResponse(this.buf, { head, ended: this.ended })
        if (r) {
          this.buf = this.buf.subarray(r.consumed)
          return r.res
        }
        if (this.ended) {
          throw new IncompleteResponseError(
            `connection closed (${this.error ? this.error.code : 'FIN'}) before a complete response; got ${preview(this.buf)}`,
            Buffer.from(this.buf),
          )
        }
        return null
      },
      timeout,
      'a complete response',
    )
  }

  /** Read `n` responses; `heads[i]` true when the i-th answers a HEAD request. */
  async readResponses(n, { heads = [], timeout = 5000 } = {}) {
    const out = []
    for (let i = 0; i < n; i++) out.push(await this.readResponse({ head: !!heads[i], timeout }))
    return out
  }

  /** Resolve true when the server closes the connection within `timeout` ms, else false. */
  waitForClose(timeout = 5000) {
    return this.waitFor(() => this.ended, timeout, 'the connection to close').then(
      () => true,
      () => false,
    )
  }

  /** Wait until the server closes, then return whatever bytes were left unparsed. */
  async drainToClose(timeout = 5000) {
    const closed = await this.waitForClose(timeout)
    return { closed, rest: Buffer.from(this.buf) }
  }

  destroy() {
    this.socket.destroy()
  }
}

export function preview(buf, max = 400) {
  const s = buf.subarray(0, max).toString('latin1')
  return JSON.stringify(s) + (buf.length > max ? ` (+${buf.length - max} more bytes)` : ` (${buf.length} bytes)`)
}

/** Build a request head: `request('GET', '/x', { Host: 'a' })` → bytes with the blank line. */
export function requestHead(method, target, headers = {}, version = '1.1') {
  let s = `${method} ${target} HTTP/${version}\r\n`
  const list = Array.isArray(headers) ? headers : Object.entries(headers).flatMap(([k, v]) => [k, v])
  if (!list.some((x, i) => i % 2 === 0 && String(x).toLowerCase() === 'host')) s += 'Host: localhost\r\n'
  for (let i = 0; i < list.length; i += 2) s += `${list[i]}: ${list[i + 1]}\r\n`
  return s + '\r\n'
}

/** One-shot: open a connection, send `bytes`, read `n` responses, return { responses, client }. */
export async function exchange(port, bytes, { n = 1, heads, host = '127.0.0.1', timeout = 5000 } = {}) {
  const client = await RawClient.connect(port, host)
  try {
    await client.write(bytes)
    const responses = await client.readResponses(n, { heads, timeout })
    return { responses, client }
  } catch (err) {
    client.destroy()
    throw err
  }
}

/** Simple GET on a fresh connection, returns the parsed response (and closes the socket). */
export async function simpleGet(port, path = '/', host = '127.0.0.1') {
  const { responses, client } = await exchange(port, requestHead('GET', path, { Connection: 'close' }), { host })
  client.destroy()
  return responses[0]
}
