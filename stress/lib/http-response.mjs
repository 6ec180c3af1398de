// Reads HTTP/1.x responses out of the bytes a server sent, strictly enough
// to tell a complete response from a truncated one.

const HEAD_END = Buffer.from('\r\n\r\n')

/**
 * Parses the responses at the start of `buf` (answers to GET-like requests:
 * a body unless 1xx/204/304). `ended`: the server closed, which completes a
 * body delimited by the close. Returns `{ responses, rest, truncated, bad }`:
 * each response `{ status, headers, bodyLength, end }` (header names lower
 * case, values of repeated headers joined with ', '; `end` the offset just
 * after it); `rest` the bytes after the
 * last complete one; `truncated` true when the server closed inside a
 * response; `bad` a description when the bytes are not a response.
 */
export function parseResponses(buf, ended = false) {
  const responses = []
  let pos = 0
  while (pos < buf.length) {
    const headEnd = buf.indexOf(HEAD_END, pos)
    if (headEnd < 0) break
    const lines = buf.toString('latin1', pos, headEnd).split('\r\n')
    const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0])
    if (!m) return { responses, rest: buf.subarray(pos), truncated: false, bad: `status line ${JSON.stringify(lines[0].slice(0, 60))}` }
    const headers = {}
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':')
      if (colon <= 0) return { responses, rest: buf.subarray(pos), truncated: false, bad: `header line ${JSON.stringify(line.slice(0, 60))}` }
      const name = line.slice(0, colon).toLowerCase()
      const value = line.slice(colon + 1).trim()
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value
    }
    const status = Number(m[1])
    const start = headEnd + 4
    const end = bodyEnd(buf, start, status, headers, ended)
    if (end === null) break
    if (end < 0) return { responses, rest: buf.subarray(pos), truncated: false, bad: 'chunked framing' }
    responses.push({ status, headers, bodyLength: end.bodyLength, end: end.next })
    pos = end.next
  }
  const rest = buf.subarray(pos)
  return { responses, rest, truncated: ended && rest.length > 0, bad: null }
}

/** Where the body starting at `start` ends: `{ next, bodyLength }`, null if incomplete, -1 if malformed. */
function bodyEnd(buf, start, status, headers, ended) {
  if ((status >= 100 && status < 200) || status === 204 || status === 304) return { next: start, bodyLength: 0 }
  if (/(^|,)\s*chunked\s*$/i.test(headers['transfer-encoding'] ?? '')) return chunkedEnd(buf, start)
  if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length'])
    if (!Number.isInteger(n) || n < 0) return -1
    return buf.length - start >= n ? { next: start + n, bodyLength: n } : null
  }
  // Delimited by the close.
  return ended ? { next: buf.length, bodyLength: buf.length - start } : null
}

function chunkedEnd(buf, start) {
  let pos = start
  let bodyLength = 0
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', pos)
    if (lineEnd < 0) return null
    const size = parseInt(buf.toString('latin1', pos, lineEnd).split(';')[0], 16)
    if (!Number.isInteger(size) || size < 0) return -1
    pos = lineEnd + 2
    if (size === 0) {
      // Trailer fields, then the empty line.
      for (;;) {
        const e = buf.indexOf('\r\n', pos)
        if (e < 0) return null
        const empty = e === pos
        pos = e + 2
        if (empty) return { next: pos, bodyLength }
      }
    }
    if (buf.length < pos + size + 2) return null
    bodyLength += size
    pos += size + 2
  }
}

/** Status codes of every status line in `buf`, framing aside (for inputs whose answers may not parse). */
export function statusCodes(buf) {
  return [...buf.toString('latin1').matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]))
}
