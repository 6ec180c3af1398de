// Runs framing vectors against a server factory and records what a client and
// the app observe. Each vector gets a fresh server on 127.0.0.1 and one raw
// TCP connection, so no vector can disturb another.
import net from 'node:net'
import { once } from 'node:events'

/** How long the connection must stay silent before we stop listening (ms). */
const QUIET_MS = 500
/** Pause between the parts of a vector that is sent in several writes (ms). */
const GAP_MS = 150
/** Longest a vector may run, whatever the server does (ms). */
const MAX_MS = 5000

/**
 * The app every vector runs against: it records each request it is handed,
 * reads the body to the end, then answers 200 with the path as body.
 */
export function recordingApp() {
  const seen = []
  const listener = (req, res) => {
    const entry = { line: `${req.method} ${req.url}`, bytes: 0, complete: false }
    seen.push(entry)
    req.on('data', (chunk) => {
      entry.bytes += chunk.length
    })
    // An aborted body emits 'error' on node:http; without a handler it would throw.
    req.on('error', () => {})
    res.on('error', () => {})
    req.on('end', () => {
      entry.complete = true
      if (res.headersSent || res.destroyed) return
      // HEAD answers carry no body, so announce none: the client parser needs no request context.
      const body = req.method === 'HEAD' ? '' : req.url
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) })
      res.end(body)
    })
  }
  return { seen, listener }
}

/**
 * Parses the bytes a server sent back into responses, honouring 1xx,
 * Content-Length, chunked and read-until-close bodies.
 * `ended` says the server closed, which completes a body delimited by the close.
 */
export function parseResponses(bytes, ended) {
  const responses = []
  let pos = 0
  let problem = null
  while (pos < bytes.length) {
    const headEnd = bytes.indexOf('\r\n\r\n', pos)
    if (headEnd < 0) {
      problem = 'incomplete head'
      break
    }
    const lines = bytes.toString('latin1', pos, headEnd).split('\r\n')
    const statusLine = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0])
    if (!statusLine) {
      problem = 'not a response'
      break
    }
    const status = Number(statusLine[1])
    const headers = {}
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':')
      if (colon <= 0) {
        problem = 'bad header line'
        break
      }
      const name = line.slice(0, colon).trim().toLowerCase()
      ;(headers[name] ??= []).push(line.slice(colon + 1).trim())
    }
    if (problem) break
    pos = headEnd + 4
    const response = { status, headers, bodyLength: 0 }
    responses.push(response)
    if (status < 200 || status === 204 || status === 304) continue
    if (headers['transfer-encoding']?.some((v) => /chunked/i.test(v))) {
      const end = chunkedEnd(bytes, pos)
      if (end < 0) {
        problem = 'incomplete chunked body'
        break
      }
      response.bodyLength = end - pos
      pos = end
    } else if (headers['content-length']) {
      const length = Number(headers['content-length'][0])
      if (pos + length > bytes.length) {
        problem = 'incomplete body'
        break
      }
      response.bodyLength = length
      pos += length
    } else {
      // Delimited by the close: only complete once the server has closed.
      if (!ended) problem = 'body until close, still open'
      response.bodyLength = bytes.length - pos
      pos = bytes.length
    }
  }
  return { responses, problem }
}

/** Offset just past a chunked body starting at `pos`, or -1 if it is not all there. */
function chunkedEnd(bytes, pos) {
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', pos)
    if (lineEnd < 0) return -1
    const size = parseInt(bytes.toString('latin1', pos, lineEnd), 16)
    if (Number.isNaN(size)) return -1
    pos = lineEnd + 2
    if (size === 0) {
      // Trailer lines until an empty one.
      for (;;) {
        const end = bytes.indexOf('\r\n', pos)
        if (end < 0) return -1
        const empty = end === pos
        pos = end + 2
        if (empty) return pos
      }
    }
    pos += size + 2
    if (pos > bytes.length) return -1
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Listens with `factory` and the recording app on an ephemeral loopback port. */
async function startServer(factory) {
  const app = recordingApp()
  const server = factory({}, app.listener)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { server, app }
}

async function stopServer(server) {
  server.closeAllConnections?.()
  await new Promise((resolve) => server.close(() => resolve()))
}

/** The parts a vector is written in: one write unless it lists several. */
function partsOf(vector) {
  const parts = vector.parts ?? [vector.bytes]
  return parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p, 'latin1')))
}

/**
 * Runs one vector against a fresh server from `factory` and returns its outcome:
 * `statuses` of the responses in order, `seen` (what the app was handed),
 * `end` ('closed', 'reset' or 'open' once the connection went quiet), and
 * `problem` when the bytes sent back do not parse as whole responses.
 */
export async function runVector(factory, vector) {
  const { server, app } = await startServer(factory)
  const socket = net.connect(server.address().port, '127.0.0.1')
  socket.setNoDelay(true)
  const received = []
  let end = 'open'
  let lastActivity = Date.now()
  const touch = () => {
    lastActivity = Date.now()
  }
  socket.on('data', (chunk) => {
    received.push(chunk)
    touch()
  })
  socket.on('end', () => {
    if (end === 'open') end = 'closed'
    touch()
  })
  socket.on('error', (err) => {
    end = err.code === 'ECONNRESET' ? 'reset' : `error ${err.code}`
    touch()
  })
  socket.on('close', () => {
    if (end === 'open') end = 'closed'
    touch()
  })
  try {
    await once(socket, 'connect')
    const parts = partsOf(vector)
    for (const [i, part] of parts.entries()) {
      if (i > 0) await sleep(GAP_MS)
      if (end !== 'open') break
      socket.write(part)
      touch()
    }
    // Until the server closes, or nothing happens (bytes back, a request seen) for QUIET_MS.
    const started = Date.now()
    let seenCount = app.seen.length
    let progress = app.seen.map((e) => e.bytes).join()
    while (end === 'open' && Date.now() - lastActivity < QUIET_MS && Date.now() - started < MAX_MS) {
      await sleep(20)
      const now = app.seen.map((e) => e.bytes).join()
      if (app.seen.length !== seenCount || now !== progress) {
        seenCount = app.seen.length
        progress = now
        touch()
      }
    }
  } finally {
    socket.destroy()
    await stopServer(server)
  }
  const bytes = Buffer.concat(received)
  const { responses, problem } = parseResponses(bytes, end !== 'open')
  return {
    statuses: responses.map((r) => r.status),
    seen: app.seen.map((e) => ({ ...e })),
    end,
    problem,
  }
}

/**
 * Runs every vector against `factory`, `concurrency` at a time (each on its
 * own server), and returns a Map of id to outcome in table order.
 */
export async function runVectors(factory, vectors, { concurrency = 6 } = {}) {
  const results = new Map(vectors.map((v) => [v.id, null]))
  let next = 0
  async function worker() {
    while (next < vectors.length) {
      const vector = vectors[next++]
      results.set(vector.id, await runVector(factory, vector))
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, vectors.length) }, worker))
  return results
}
