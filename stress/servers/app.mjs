// The app every stress server runs, the same on mgnode and node:http. It
// counts what it is handed, so a check can compare what the app saw with
// what the client sent:
//   /            'ok'
//   /body        reads the body, answers its length
//   /big?n=N     N bytes, written as the socket takes them
//   /slow?ms=N   'ok' after N ms
//   anything else (the fuzz's /f<id>, /s<id>): reads the body, answers the path

/** Counters the app keeps; `seen` lists "clientPort time METHOD url" of each request when recording (time: Date.now()). */
export function newStats(record) {
  return { requests: 0, seen: record ? [] : null, bodiesAborted: 0, responsesCut: 0, responsesDone: 0 }
}

const BLOCK = Buffer.alloc(16 * 1024, 'x')
const SEEN_LIMIT = 500_000

function countBody(req, stats, done) {
  let bytes = 0
  req.on('data', (chunk) => (bytes += chunk.length))
  req.on('end', () => done(bytes))
  req.on('aborted', () => stats.bodiesAborted++)
}

/** Streams `n` bytes, waiting for 'drain' when the socket is full. */
function stream(res, n) {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': n })
  let left = n
  const more = () => {
    while (left > 0) {
      const part = left >= BLOCK.length ? BLOCK : BLOCK.subarray(0, left)
      left -= part.length
      if (left === 0) return res.end(part)
      if (!res.write(part)) return res.once('drain', more)
    }
  }
  more()
}

export function makeApp(stats) {
  return (req, res) => {
    stats.requests++
    if (stats.seen !== null && stats.seen.length < SEEN_LIMIT) stats.seen.push(`${req.socket.remotePort} ${Date.now()} ${req.method} ${req.url}`)
    // A client that leaves mid-body makes node:http emit 'error' on req; nobody else listens.
    req.on('error', () => {})
    res.on('error', () => {})
    res.on('close', () => {
      if (res.writableFinished) stats.responsesDone++
      else stats.responsesCut++
    })
    const url = new URL(req.url, 'http://x')
    switch (url.pathname) {
      case '/':
        res.setHeader('content-type', 'text/plain')
        return res.end('ok')
      case '/body':
        return countBody(req, stats, (bytes) => res.end(String(bytes)))
      case '/big':
        return stream(res, Number(url.searchParams.get('n')) || 1024 * 1024)
      case '/slow':
        return setTimeout(() => res.end('ok'), Number(url.searchParams.get('ms')) || 100)
      default:
        return countBody(req, stats, () => {
          if (res.headersSent || res.destroyed) return
          res.setHeader('content-type', 'text/plain')
          res.end(url.pathname)
        })
    }
  }
}
