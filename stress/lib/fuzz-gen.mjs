// Seeded generator of random and mutated HTTP/1.x requests for the fuzz check.
//
// Every input belongs to one id. Requests the input means to make have paths
// starting `/f<id>`; a request hidden in a body (where a correct parser only
// ever sees body bytes) has the path `/s<id>`. The app records every request
// it is handed, with the client's port, so the check can tell, per input,
// what each server made of the same bytes. Input `id` of seed `seed` is
// always the same bytes.
//
// The first request of an input is handed to node:http's app as soon as its
// head is read, and to mgnode's once a small body is complete, so a request
// whose body turns out malformed reaches only node:http's app: `firstRequest`
// names it, so the check can tell that difference from a framing one.
import { Random } from './random.mjs'

/** A request inside a body: a server that sees it as a request of its own was fooled. */
const hidden = (id) => `GET /s${id} HTTP/1.1\r\nHost: t\r\n\r\n`

/** Valid requests of input `id` to start from. */
const TEMPLATES = {
  get: (id) => `GET /f${id} HTTP/1.1\r\nHost: t\r\n\r\n`,
  getClose: (id) => `GET /f${id} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`,
  http10: (id) => `GET /f${id} HTTP/1.0\r\n\r\n`,
  head: (id) => `HEAD /f${id} HTTP/1.1\r\nHost: t\r\n\r\n`,
  postLength: (id) => `POST /f${id} HTTP/1.1\r\nHost: t\r\nContent-Length: ${hidden(id).length}\r\n\r\n${hidden(id)}`,
  postChunked: (id) =>
    `POST /f${id} HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n${hidden(id).length.toString(16)}\r\n${hidden(id)}\r\n0\r\n\r\n`,
  postChunkedTrailer: (id) =>
    `POST /f${id} HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n${hidden(id).length.toString(16)};ext=1\r\n${hidden(id)}\r\n0\r\nX-Trailer: 1\r\n\r\n`,
  pipelined: (id) => `GET /f${id} HTTP/1.1\r\nHost: t\r\n\r\nGET /f${id}?2 HTTP/1.1\r\nHost: t\r\n\r\n`,
  postThenGet: (id) =>
    `POST /f${id} HTTP/1.1\r\nHost: t\r\nContent-Length: ${hidden(id).length}\r\n\r\n${hidden(id)}GET /f${id}?2 HTTP/1.1\r\nHost: t\r\n\r\n`,
  lengthAndChunked: (id) =>
    `POST /f${id} HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n${hidden(id).length.toString(16)}\r\n${hidden(id)}\r\n0\r\n\r\n`,
  expect: (id) => `PUT /f${id} HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: ${hidden(id).length}\r\n\r\n${hidden(id)}`,
}

/** Bytes that matter to HTTP framing, inserted at random. */
const INSERTS = [
  '\r', '\n', '\r\n', '\0', ' ', '\t', ':', ';', ',', '0', '\r\n\r\n', '\x7f', '\xff', '\x0b', '\x0c', 'a',
  'Transfer-Encoding: chunked\r\n', 'Content-Length: 0\r\n', 'Content-Length: 5\r\n', '\r\n ',
]

const CONTENT_LENGTHS = ['0', '-1', '+5', '5 5', '0x10', '99999999999999999999', ' 5', '5,5', '', '05', '1e3', '4\0']
const TRANSFER_ENCODINGS = [
  'chunked, chunked', 'chunked ', ' chunked', 'Chunked', 'gzip, chunked', 'chunked, gzip', 'identity', 'x',
  'chunked\0', 'chunked,', ',chunked', 'chunk', '"chunked"',
]
const CHUNK_SIZES = ['0x5', '05', '5 ', '5;x=y', '-5', 'ffffffffffffffffff', '', ' 5', '5\t', 'G', '0000000000000021']
const SOUP = (id) => [
  'GET', 'POST', ' ', `/f${id}`, `/s${id}`, 'HTTP/1.1', 'HTTP/1.0', '\r\n', '\n', 'Host: t', 'Content-Length: 3',
  'Transfer-Encoding: chunked', '0', '3', 'abc', ':', 'Connection: close', 'Upgrade: x', 'Connection: upgrade',
]

/** Replaces the value of the first header named `name` (case-insensitive) with `value`. */
function replaceHeader(text, name, value) {
  const re = new RegExp(`(\\r?\\n${name}:)[^\\r\\n]*`, 'i')
  return re.test(text) ? text.replace(re, `$1 ${value}`) : null
}

/** One mutation of `text` (latin1 string); the mutated text. */
function mutate(text, r, id) {
  const at = r.int(text.length + 1)
  switch (r.int(12)) {
    case 0: // a byte replaced
      return text.slice(0, at) + String.fromCharCode(r.int(256)) + text.slice(at + 1)
    case 1: // framing bytes inserted
      return text.slice(0, at) + r.pick(INSERTS) + text.slice(at)
    case 2: // a few bytes gone
      return text.slice(0, at) + text.slice(at + r.between(1, 4))
    case 3: {
      // a header line twice
      const lines = text.split('\r\n')
      const i = r.between(1, Math.max(1, lines.length - 2))
      lines.splice(i, 0, lines[i])
      return lines.join('\r\n')
    }
    case 4:
      return replaceHeader(text, 'Content-Length', r.pick(CONTENT_LENGTHS)) ?? text + `Content-Length: ${r.pick(CONTENT_LENGTHS)}\r\n`
    case 5:
      return replaceHeader(text, 'Transfer-Encoding', r.pick(TRANSFER_ENCODINGS)) ?? text.replace('\r\n\r\n', `\r\nTransfer-Encoding: ${r.pick(TRANSFER_ENCODINGS)}\r\n\r\n`)
    case 6: {
      // one line end bare
      const ends = [...text.matchAll(/\r\n/g)].map((m) => m.index)
      if (ends.length === 0) return text
      const e = r.pick(ends)
      return text.slice(0, e) + r.pick(['\n', '\r', '\r\r\n', '\n\r']) + text.slice(e + 2)
    }
    case 7: {
      // a chunk size (a hex line after the head) rewritten
      const head = text.indexOf('\r\n\r\n')
      const m = /\r\n([0-9a-fA-F]+)(;[^\r\n]*)?\r\n/.exec(text.slice(Math.max(0, head)))
      if (head < 0 || !m) return text
      const start = head + m.index + 2
      return text.slice(0, start) + r.pick(CHUNK_SIZES) + text.slice(start + m[1].length)
    }
    case 8: // cut short
      return text.slice(0, at)
    case 9: // more after it
      return text + (r.chance(0.5) ? r.bytes(r.between(1, 16)).toString('latin1') : r.pick(Object.values(TEMPLATES))(id))
    case 10: {
      // a letter's case flipped
      const c = text.charCodeAt(at)
      if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return text
      return text.slice(0, at) + String.fromCharCode(c ^ 0x20) + text.slice(at + 1)
    }
    default: {
      // the version changed
      return text.replace(/HTTP\/1\.[01]/, r.pick(['HTTP/1.2', 'HTTP/2.0', 'http/1.1', 'HTTP/1.1 ', 'HTTP/1', 'HTTP/01.1']))
    }
  }
}

/** The input `id` of the run seeded `seed`: `{ id, kind, bytes, splits }` (offsets at which to pause while sending). */
export function generate(seed, id) {
  const r = new Random((Math.imul(seed, 1000003) + id) >>> 0)
  let kind
  let text
  const roll = r.next()
  if (roll < 0.08) {
    kind = 'random bytes'
    text = r.bytes(r.between(1, 300)).toString('latin1')
  } else if (roll < 0.16) {
    kind = 'token soup'
    const parts = []
    const soup = SOUP(id)
    for (let n = r.between(3, 20); n > 0; n--) parts.push(r.pick(soup))
    text = parts.join('')
  } else if (roll < 0.24) {
    kind = 'valid'
    text = TEMPLATES[r.pick(Object.keys(TEMPLATES))](id)
  } else {
    const template = r.pick(Object.keys(TEMPLATES))
    kind = `mutated ${template}`
    text = TEMPLATES[template](id)
    for (let n = r.between(1, 3); n > 0; n--) text = mutate(text, r, id)
  }
  const bytes = Buffer.from(text, 'latin1')
  const splits = []
  if (bytes.length > 1 && r.chance(0.3)) {
    for (let n = r.between(1, 3); n > 0; n--) splits.push(r.between(1, bytes.length - 1))
    splits.sort((a, b) => a - b)
  }
  return { id, kind, bytes, splits: [...new Set(splits)] }
}

/** "METHOD target" of the request line an input starts with, or null. */
export function firstRequest(bytes) {
  const m = /^([!-~]+) (\S+) HTTP\/1\.[01]\r\n/.exec(bytes.toString('latin1'))
  return m ? `${m[1]} ${m[2]}` : null
}
