/**
 * Writing a `Response` to the engine: whole bodies known in memory go out in
 * one `reply.send()` with a Content-Length; streams are pumped chunk by chunk,
 * waiting whenever the engine asks (`write()` false), and cancelled when the
 * client goes away.
 */
import { MgnodeError } from '../errors'
import type { Reply } from '../reply'
import { defaultContentType, FastResponse, inMemory, RealResponse } from './fast-response'
import { flattenHeaders } from './response-headers'
import { bodySource, SOURCE_HIDDEN } from './response-source'
import { claimSource } from './source-stream'

/** Blobs up to this size are read whole and sent with a Content-Length; bigger ones stream. */
const WHOLE_BLOB_LIMIT = 1024 * 1024

type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<unknown>['read']>>

/** What `turnsEnd()` resolves with. */
const TURN_OVER = Symbol('turn over')

/**
 * Turns of the event loop a read of a gathered stream may take. Node 24's
 * Blob streams answer a read two turns after it is made.
 */
const GATHER_TURNS = 4

const noop = (): void => {}

/**
 * Sends `res` on `reply`. Returns a promise only when the body has to be
 * awaited (blobs, streams); a rejection means the handler's stream failed.
 */
export function sendResponse(res: unknown, reply: Reply, isHead: boolean): void | Promise<void> {
  if (!(res instanceof RealResponse)) {
    throw new MgnodeError(
      'ERR_MGNODE_INVALID_RESPONSE',
      `A fetch handler must return a Response or a promise of one, got ${res === null ? 'null' : typeof res}`,
    )
  }
  // A custom reason phrase (`new Response(body, { statusText })`) goes on the status line.
  const statusText = res.statusText
  if (statusText !== '') reply.statusMessage = statusText
  if (FastResponse.isLazy(res)) return sendLazy(res, reply, isHead)
  const real = FastResponse.isFast(res) ? FastResponse.realOf(res) : res
  return sendReal(real, reply, isHead)
}

/** A response that still holds its body as given: no `Response` machinery at all for strings and bytes. */
function sendLazy(res: FastResponse, reply: Reply, isHead: boolean): void | Promise<void> {
  const body = FastResponse.lazyBody(res)
  const status = res.status
  const handedOut = FastResponse.lazyStream(res)
  if (handedOut === undefined) {
    if (typeof body === 'string') {
      reply.send(status, flattenHeaders(FastResponse.lazyHeaders(res), 'text/plain;charset=UTF-8'), body)
      return
    }
    if (body === null) return sendEmpty(reply, status, flattenHeaders(FastResponse.lazyHeaders(res), null), isHead)
    const bytes = inMemory(body)
    if (bytes !== undefined) {
      reply.send(status, flattenHeaders(FastResponse.lazyHeaders(res), defaultContentType(body)), bytes)
      return
    }
  }
  const headers = flattenHeaders(FastResponse.lazyHeaders(res), defaultContentType(body))
  if (handedOut !== undefined) return sendStream(handedOut, reply, status, headers, isHead, false)
  if (body instanceof ReadableStream) return sendStream(body, reply, status, headers, isHead, false)
  if (body instanceof Blob) return sendBlob(body, reply, status, headers, isHead)
  return sendReal(FastResponse.realOf(res), reply, isHead)
}

/** Node's own `Response`: its source string, bytes or Blob when still unread, else its stream. */
function sendReal(res: Response, reply: Reply, isHead: boolean): void | Promise<void> {
  if (res.bodyUsed) throw bodyUsed()
  const headers = flattenHeaders(res.headers, null)
  const source = bodySource(res)
  if (source instanceof Blob) return sendBlob(source, reply, res.status, headers, isHead)
  if (source !== undefined) {
    reply.send(res.status, headers, source)
    return
  }
  const stream = res.body
  if (stream === null) return sendEmpty(reply, res.status, headers, isHead)
  return sendStream(stream, reply, res.status, headers, isHead, SOURCE_HIDDEN)
}

function bodyUsed(): MgnodeError {
  return new MgnodeError('ERR_MGNODE_BODY_USED', 'The Response body was already read; it cannot be sent')
}

/**
 * A stream over a body still in memory is sent as that body; any other is
 * pumped, or first gathered for a turn if `gather` (its origin unknown).
 */
function sendStream(
  stream: ReadableStream<unknown>,
  reply: Reply,
  status: number,
  headers: readonly string[],
  isHead: boolean,
  gather: boolean,
): void | Promise<void> {
  const source = claimSource(stream)
  if (source === null) throw bodyUsed()
  if (source !== undefined) return reply.send(status, headers, source)
  if (gather) return sendGathered(stream, reply, status, headers, isHead)
  return pump(stream, reply, status, headers, isHead)
}

/** Resolves with `TURN_OVER` once `turns` turns of the event loop are over. */
function turnsEnd(turns: number): Promise<typeof TURN_OVER> {
  return new Promise((resolve) => {
    const next = (left: number): void => {
      if (left === 0) resolve(TURN_OVER)
      else setImmediate(next, left - 1)
    }
    next(turns)
  })
}

/**
 * A stream that may stand for a body in memory, where the runtime does not
 * say (Node 24's `Response` keeps its source private): it is gathered while
 * each read is answered within `GATHER_TURNS` turns of the event loop, up to
 * `WHOLE_BLOB_LIMIT`. If it ended by then, as the stream over a string,
 * bytes or a small Blob does, it goes out whole with a Content-Length;
 * otherwise it is pumped on from there, as any stream is, so a stream that
 * waits on something (server-sent events) is held up a few turns at most.
 */
async function sendGathered(
  stream: ReadableStream<unknown>,
  reply: Reply,
  status: number,
  headers: readonly string[],
  isHead: boolean,
): Promise<void> {
  const reader = stream.getReader()
  const gathered: Uint8Array[] = []
  let size = 0
  let pending: Promise<ReadResult> | undefined
  try {
    while (size <= WHOLE_BLOB_LIMIT) {
      pending = reader.read()
      const result = await Promise.race([pending, turnsEnd(GATHER_TURNS)])
      if (result === TURN_OVER) break
      pending = undefined
      if (result.done) {
        if (reply.finished) return
        if (isHead) return sendEmpty(reply, status, [...headers, 'content-length', String(size)], true)
        reply.send(status, headers, gathered.length === 1 ? gathered[0] : Buffer.concat(gathered, size))
        return
      }
      const chunk = toChunk(result.value)
      gathered.push(chunk)
      size += chunk.byteLength
    }
  } catch (err) {
    reader.cancel(err).then(noop, noop)
    throw err
  }
  return pumpReader(reader, reply, status, headers, isHead, gathered, pending)
}

/**
 * No body. GET gets `Content-Length: 0`; HEAD keeps whatever Content-Length the
 * app declared (Hono answers HEAD with the GET response's headers and no body).
 */
function sendEmpty(reply: Reply, status: number, headers: readonly string[], isHead: boolean): void {
  if (reply.finished) return
  if (isHead) {
    reply.writeHead(status, headers)
    reply.end()
  } else {
    reply.send(status, headers)
  }
}

async function sendBlob(blob: Blob, reply: Reply, status: number, headers: readonly string[], isHead: boolean): Promise<void> {
  if (blob.size > WHOLE_BLOB_LIMIT) {
    return pump(blob.stream(), reply, status, [...headers, 'content-length', String(blob.size)], isHead)
  }
  const bytes = isHead ? undefined : new Uint8Array(await blob.arrayBuffer())
  if (reply.finished) return
  // On HEAD the engine sends the length of an empty body; say the real one instead.
  if (isHead) sendEmpty(reply, status, [...headers, 'content-length', String(blob.size)], true)
  else reply.send(status, headers, bytes)
}

/**
 * Pumps `stream` into the reply with backpressure. The reader is cancelled
 * when the client disconnects, which Hono's `stream()`/`streamSSE()` see as
 * an abort.
 */
function pump(stream: ReadableStream<unknown>, reply: Reply, status: number, headers: readonly string[], isHead: boolean): Promise<void> {
  return pumpReader(stream.getReader(), reply, status, headers, isHead, [], undefined)
}

/** `pump()` for a reader that already gave `first`, and may have a read `pending`. */
async function pumpReader(
  reader: ReadableStreamDefaultReader<unknown>,
  reply: Reply,
  status: number,
  headers: readonly string[],
  isHead: boolean,
  first: readonly Uint8Array[],
  pending: Promise<ReadResult> | undefined,
): Promise<void> {
  if (reply.finished || isHead) {
    // Nobody will read it: release whatever produces it.
    reader.cancel().then(noop, noop)
    if (!reply.finished) sendEmpty(reply, status, headers, true)
    return
  }
  const previous = reply.onclose
  reply.onclose = (aborted) => {
    reader.cancel(new MgnodeError('ERR_MGNODE_CLIENT_GONE', 'The client disconnected')).then(noop, noop)
    previous?.(aborted)
  }
  reply.writeHead(status, headers)
  try {
    for (const chunk of first) {
      if (reply.finished) break
      if (chunk.byteLength > 0 && !reply.write(chunk)) await reply.drain()
    }
    for (;;) {
      const { done, value } = await (pending ?? reader.read())
      pending = undefined
      if (done || reply.finished) break
      const chunk = toChunk(value)
      if (chunk.byteLength === 0) continue
      if (!reply.write(chunk)) await reply.drain()
    }
  } catch (err) {
    // A read failing because the client left and we cancelled is no error of the app's.
    if (reply.aborted) return
    reader.cancel(err).then(noop, noop)
    throw err
  }
  if (!reply.finished) reply.end()
}

function toChunk(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
  if (value instanceof ArrayBuffer) return new Uint8Array(value)
  if (typeof value === 'string') return Buffer.from(value)
  throw new MgnodeError('ERR_MGNODE_INVALID_CHUNK', `A Response body stream must yield bytes, got ${typeof value}`)
}
