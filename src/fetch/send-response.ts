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
import { bodySource } from './response-source'
import { claimSource } from './source-stream'

/** Blobs up to this size are read whole and sent with a Content-Length; bigger ones stream. */
const WHOLE_BLOB_LIMIT = 1024 * 1024

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
  if (handedOut !== undefined) return sendStream(handedOut, reply, status, headers, isHead)
  if (body instanceof ReadableStream) return sendStream(body, reply, status, headers, isHead)
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
  return sendStream(stream, reply, res.status, headers, isHead)
}

function bodyUsed(): MgnodeError {
  return new MgnodeError('ERR_MGNODE_BODY_USED', 'The Response body was already read; it cannot be sent')
}

/** A stream over a body still in memory is sent as that body; any other is pumped. */
function sendStream(
  stream: ReadableStream<unknown>,
  reply: Reply,
  status: number,
  headers: readonly string[],
  isHead: boolean,
): void | Promise<void> {
  const source = claimSource(stream)
  if (source === null) throw bodyUsed()
  if (source === undefined) return pump(stream, reply, status, headers, isHead)
  reply.send(status, headers, source)
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
async function pump(
  stream: ReadableStream<unknown>,
  reply: Reply,
  status: number,
  headers: readonly string[],
  isHead: boolean,
): Promise<void> {
  if (reply.finished || isHead) {
    // Nobody will read it: release whatever produces it.
    stream.cancel().then(noop, noop)
    if (!reply.finished) sendEmpty(reply, status, headers, true)
    return
  }
  const reader = stream.getReader()
  const previous = reply.onclose
  reply.onclose = (aborted) => {
    reader.cancel(new MgnodeError('ERR_MGNODE_CLIENT_GONE', 'The client disconnected')).then(noop, noop)
    previous?.(aborted)
  }
  reply.writeHead(status, headers)
  try {
    for (;;) {
      const { done, value } = await reader.read()
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
