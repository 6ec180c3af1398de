// The check request: sent once to each server before the load, to see that it
// answers the scenario's expected bytes.
import net from 'node:net'
import tls from 'node:tls'
import { BODY_PATTERN } from '../scenarios.mjs'
import { HOST } from './paths.mjs'
import { sleep } from './processes.mjs'

export function requestBody(req) {
  return req.bodySize ? Buffer.alloc(req.bodySize, BODY_PATTERN) : null
}

/**
 * Sends the scenario's request once over a raw socket and reads the response:
 * status, headers as sent, body (Content-Length or chunked), and whether the
 * server closed the connection afterwards.
 */
function probe(host, port, req, { waitClose = false, timeoutMs = 5000, secure = false } = {}) {
  return new Promise((resolve, reject) => {
    const body = requestBody(req)
    const headers = { Host: `${host}:${port}`, ...(req.headers || {}) }
    if (body) headers['Content-Length'] = String(body.length)
    let head = `${req.method} ${req.path} HTTP/1.1\r\n`
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`
    head += '\r\n'

    // The TLS scenarios' certificates are made for the run: nothing to verify them against.
    const sock = secure ? tls.connect({ port, host, rejectUnauthorized: false }) : net.connect(port, host)
    let buf = Buffer.alloc(0)
    let res = null
    let settled = false
    const timer = setTimeout(() => fail(new Error(`no complete response within ${timeoutMs} ms`)), timeoutMs)
    const fail = (err) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      sock.destroy()
      reject(err)
    }
    const succeed = (closed) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      sock.destroy()
      resolve({ ...res, closed })
    }
    let complete = false
    const tryParse = () => {
      if (!res) {
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        const lines = buf.subarray(0, end).toString('latin1').split('\r\n')
        const status = Number(lines[0].split(' ')[1])
        const hdrs = lines.slice(1).map((l) => {
          const i = l.indexOf(':')
          return [l.slice(0, i).trim(), l.slice(i + 1).trim()]
        })
        res = { statusLine: lines[0], status, headers: hdrs, headBytes: end + 4 }
        buf = buf.subarray(end + 4)
      }
      const get = (name) => res.headers.find(([k]) => k.toLowerCase() === name)?.[1]
      const te = get('transfer-encoding')
      const cl = get('content-length')
      if (te && /chunked/i.test(te)) {
        res.framing = 'chunked'
        const parts = []
        let off = 0
        for (;;) {
          const nl = buf.indexOf('\r\n', off)
          if (nl < 0) return
          const size = parseInt(buf.subarray(off, nl).toString('latin1'), 16)
          if (buf.length < nl + 2 + size + 2) return
          if (size === 0) break
          parts.push(buf.subarray(nl + 2, nl + 2 + size))
          off = nl + 2 + size + 2
        }
        res.body = Buffer.concat(parts)
      } else if (cl !== undefined) {
        res.framing = 'content-length'
        if (buf.length < Number(cl)) return
        res.body = buf.subarray(0, Number(cl))
      } else {
        res.framing = 'close'
        return // read until the server closes
      }
      complete = true
      if (!waitClose) succeed(false)
      // A server that keeps the connection open after a complete response.
      else setTimeout(() => succeed(false), 1000)
    }
    sock.on(secure ? 'secureConnect' : 'connect', () => sock.write(body ? Buffer.concat([Buffer.from(head), body]) : head))
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d])
      if (!complete) tryParse()
    })
    sock.on('end', () => {
      if (res && res.framing === 'close' && !complete) {
        res.body = buf
        complete = true
      }
      if (complete) succeed(true)
      else fail(new Error('connection closed before the response was complete'))
    })
    sock.on('error', fail)
  })
}

/** Checks the server at host:port (127.0.0.1 unless --target-host) against the scenario's expected response. */
export async function check(port, scenario, host = HOST, attempts = 20) {
  let res
  let lastErr
  for (let i = 0; i < attempts; i++) {
    try {
      res = await probe(host, port, scenario.request, { waitClose: !!scenario.expect.closes, secure: !!scenario.tls && !scenario.flood })
      break
    } catch (err) {
      lastErr = err
      await sleep(250)
    }
  }
  if (!res) return { ok: false, reason: `check request failed: ${lastErr.message}` }
  const headerNames = res.headers.map(([k]) => k)
  const contentType = res.headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? null
  const info = {
    status: res.status,
    framing: res.framing,
    contentType,
    headerNames,
    headBytes: res.headBytes,
    bodyBytes: res.body.length,
    closed: res.closed,
  }
  const exp = scenario.expect
  if (res.status !== 200) return { ok: false, reason: `check: status ${res.status}, expected 200`, info }
  if (!res.body.equals(exp.body)) {
    const got = res.body.length > 60 ? `${res.body.length} bytes` : JSON.stringify(res.body.toString('latin1'))
    return { ok: false, reason: `check: wrong body (${got}), expected ${exp.body.length} bytes`, info }
  }
  const notes = []
  if (exp.contentType && (contentType || '').toLowerCase() !== exp.contentType) notes.push(`content-type is ${JSON.stringify(contentType)}, expected ${JSON.stringify(exp.contentType)}`)
  if (exp.closes && !res.closed) notes.push('kept the connection open despite Connection: close')
  const connection = res.headers.find(([k]) => k.toLowerCase() === 'connection')?.[1] ?? ''
  if (exp.closes && res.closed && !/close/i.test(connection)) notes.push('closes the connection without saying Connection: close')
  return { ok: true, info, notes }
}
