// ResponseQueue: a dispatcher turn's writes cross to the engine together, in order, bytes intact.
import test from 'ava'
import { createRequire } from 'node:module'
import path from 'node:path'
import crypto from 'node:crypto'
import { root, startServer, sha256 } from './helpers/server.mjs'
import { RawClient, requestHead } from './helpers/raw.mjs'

const require = createRequire(import.meta.url)
const { ResponseQueue, SHARE_MIN } = require(path.join(root, 'dist', 'response-queue.js'))

/** A stand-in for the native Responder that records each call, batches decoded. */
function recorder() {
  const calls = []
  const native = {
    holdRings: () => calls.push(['holdRings']),
    releaseRings: () => calls.push(['releaseRings']),
    ring: () => calls.push(['ring']),
    writeBatch(bytes, used, writes, count) {
      const entries = []
      let at = 0
      for (let i = 0; i < count; i++) {
        const [connId, flags, length] = writes.subarray(i * 3, i * 3 + 3)
        entries.push({ connId, flags, text: bytes.toString('utf8', at, at + length) })
        at += length
      }
      calls.push(['writeBatch', entries, used === at])
    },
    writeString: (id, s, f) => calls.push(['writeString', id, s.length, f]),
    write: (id, d, f) => calls.push(['write', id, d.byteLength, f]),
    writeShared: (id, d, f) => calls.push(['writeShared', id, d.byteLength, f]),
    respond: (id, h, b, f) => calls.push(['respond', id, h.length + b.byteLength, f]),
    respondShared: (id, h, b, f) => calls.push(['respondShared', id, h.length + b.byteLength, f]),
    sendFile: (id, p) => calls.push(['sendFile', id, p]),
    abort: (id) => calls.push(['abort', id]),
  }
  return { calls, queue: new ResponseQueue(native) }
}

test('while held, small writes wait and then cross as one batch, each with its connection, flags and UTF-8 bytes', (t) => {
  const { calls, queue } = recorder()
  queue.hold()
  queue.writeString(1, 'HTTP/1.1 200 OK\r\n\r\nhi', 1)
  queue.write(2, Buffer.from('bytes'), 0)
  queue.respond(3, 'head:', Buffer.from('body'), 3)
  queue.writeString(4, 'café 😀', 1)
  t.deepEqual(calls, [['holdRings']], 'nothing crosses before the release')
  queue.release()
  t.deepEqual(calls.slice(1), [
    [
      'writeBatch',
      [
        { connId: 1, flags: 1, text: 'HTTP/1.1 200 OK\r\n\r\nhi' },
        { connId: 2, flags: 0, text: 'bytes' },
        { connId: 3, flags: 3, text: 'head:body' },
        { connId: 4, flags: 1, text: 'café 😀' },
      ],
      true,
    ],
    ['releaseRings'],
  ])
})

test('flush() hands over and rings but keeps holding; an empty release sends no batch', (t) => {
  const { calls, queue } = recorder()
  queue.hold()
  queue.writeString(1, 'a', 0)
  queue.flush()
  queue.writeString(1, 'b', 1)
  t.deepEqual(calls.map((c) => c[0]), ['holdRings', 'writeBatch', 'ring'])
  queue.release()
  queue.hold()
  queue.release()
  t.deepEqual(calls.map((c) => c[0]), ['holdRings', 'writeBatch', 'ring', 'writeBatch', 'releaseRings', 'holdRings', 'releaseRings'])
})

test('anything sent directly goes after what is queued, so a connection keeps its order', (t) => {
  const { calls, queue } = recorder()
  const big = Buffer.alloc(SHARE_MIN)
  queue.hold()
  queue.writeString(1, 'head', 0)
  queue.writeBytes(1, big, 1)
  queue.writeString(2, 'head', 0)
  queue.sendFile(2, '/file', 0, 10, 1)
  queue.writeString(3, 'x', 0)
  queue.abort(3)
  queue.writeString(4, 'head', 0)
  queue.respond(4, 'h', big, 1)
  t.deepEqual(
    calls.slice(1).map((c) => [c[0], c[1]?.[0]?.connId ?? c[1]]),
    [
      ['writeBatch', 1],
      ['writeShared', 1],
      ['writeBatch', 2],
      ['sendFile', 2],
      ['writeBatch', 3],
      ['abort', 3],
      ['writeBatch', 4],
      ['respondShared', 4],
    ],
  )
})

test('a full queue is handed over early; strings too large for it and writes when not held go straight through', (t) => {
  const { calls, queue } = recorder()
  queue.hold()
  const part = 'x'.repeat(40 * 1024)
  // Room is checked for the worst case (3 UTF-8 bytes a unit, 120 KiB here) over
  // the bytes used so far (40 KiB each): the fifth no longer fits behind four.
  for (let i = 0; i < 5; i++) queue.writeString(i, part, 0)
  t.deepEqual(calls.map((c) => c[0]), ['holdRings', 'writeBatch'])
  t.is(calls[1][1].length, 4)
  queue.writeString(9, 'y'.repeat(100 * 1024), 0)
  t.deepEqual(calls.slice(2).map((c) => c[0]), ['writeBatch', 'writeString'], 'the queued one first, then the big string')
  queue.release()
  queue.writeString(5, 'later', 1)
  queue.write(5, Buffer.from('bytes'), 1)
  t.deepEqual(calls.slice(-2), [['writeString', 5, 5, 1], ['write', 5, 5, 1]])
})

test('many connections at once, bodies of every size around the queue limits, all arrive intact', async (t) => {
  // Sizes below, at and above the 64 KiB lending limit, and enough of them per
  // turn to fill the 256 KiB queue several times.
  const sizes = [0, 1, 100, 4000, 40 * 1024, SHARE_MIN - 1, SHARE_MIN, 100 * 1024, 300 * 1024]
  // Even requests get bytes, odd ones a string with 1-, 2-, 3- and 4-byte UTF-8 characters.
  const bodies = sizes.map((n, i) => (i % 2 === 0 ? crypto.randomBytes(n) : 'aé€😀'.repeat(Math.ceil(n / 5)).slice(0, n)))
  const { port } = await startServer(t, (req, reply) => {
    const body = bodies[Number(req.url.slice(1)) % bodies.length]
    reply.send(200, { 'x-sha256': sha256(Buffer.from(body)) }, body)
  })
  const perConn = 18
  const clients = await Promise.all(Array.from({ length: 20 }, () => RawClient.connect(port)))
  let pipelined = ''
  for (let i = 0; i < perConn; i++) pipelined += requestHead('GET', `/${i}`)
  await Promise.all(clients.map((c) => c.write(pipelined)))
  const all = await Promise.all(clients.map((c) => c.readResponses(perConn, { timeout: 20000 })))
  for (const responses of all) {
    t.is(responses.length, perConn)
    responses.forEach((res, i) => {
      const body = Buffer.from(bodies[i % bodies.length])
      t.is(res.status, 200)
      t.is(res.body.length, body.length)
      t.is(sha256(res.body), sha256(body))
    })
  }
  for (const c of clients) c.destroy()
})
