/**
 * `sendFile(res, path)`: answers with a file that the engine reads and sends
 * itself, with Range (206/416), ETag and Last-Modified (304) and HEAD handled
 * here. On a response that is not mgnode's (e.g. plain node:http), the file
 * is streamed with backpressure instead, so the same code runs anywhere.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { extname, resolve } from 'node:path'
import { pipeline } from 'node:stream/promises'

import type * as MimeTypes from 'mime-types'
import parseRange from 'range-parser'

import { MgnodeError } from './errors'
import { EngineSocket } from './http/socket'

let mimeTypesModule: typeof MimeTypes | undefined
/** mime-types, loaded on first use: its database costs about half a megabyte of heap and 3 MB of RSS that apps which never send files need not pay. */
function mimeTypes(): typeof MimeTypes {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  mimeTypesModule ??= require('mime-types') as typeof MimeTypes
  return mimeTypesModule
}

export interface SendFileOptions {
  /** Content-Type; by default from the file's extension. */
  contentType?: string
  /** Sets `Cache-Control: public, max-age=N` (seconds). */
  maxAge?: number
  /** Send ETag and answer If-None-Match with 304. Default true. */
  etag?: boolean
  /** Send Last-Modified and answer If-Modified-Since with 304. Default true. */
  lastModified?: boolean
  /** Honour Range requests. Default true. */
  acceptRanges?: boolean
}

function finished(res: ServerResponse): Promise<void> {
  if (res.writableFinished || res.destroyed) return Promise.resolve()
  return new Promise((done) => {
    res.once('finish', done)
    res.once('close', done)
  })
}

/** Does a validator list (If-None-Match) name this entity tag? Weak comparison, as for GET. */
function matchesEtag(header: string, etag: string): boolean {
  if (header.trim() === '*') return true
  const bare = etag.replace(/^W\//, '')
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === bare)
}

function isFresh(res: ServerResponse, etag: string | undefined, mtime: Date | undefined): boolean {
  const headers = res.req.headers
  const noneMatch = headers['if-none-match']
  if (noneMatch !== undefined) return etag !== undefined && matchesEtag(noneMatch, etag)
  const since = headers['if-modified-since']
  if (since !== undefined && mtime !== undefined) {
    const t = Date.parse(since)
    return !Number.isNaN(t) && Math.floor(mtime.getTime() / 1000) <= Math.floor(t / 1000)
  }
  return false
}

/**
 * Sends the file at `path` as the response. Resolves when the response is
 * done; rejects (before anything is sent) if the file cannot be read.
 *
 * ```js
 * app.get('/video', (req, res, next) => sendFile(res, './big.mp4').catch(next))
 * ```
 */
export async function sendFile(res: ServerResponse, path: string, options: SendFileOptions = {}): Promise<void> {
  const file = resolve(path)
  const st = await stat(file)
  if (!st.isFile()) throw new MgnodeError('ERR_MGNODE_NOT_A_FILE', `Not a file: ${file}`)
  if (res.headersSent) throw new MgnodeError('ERR_HTTP_HEADERS_SENT', 'Cannot send a file after headers are sent')
  const req = res.req
  const etag = options.etag === false ? undefined : `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`
  const mtime = options.lastModified === false ? undefined : st.mtime
  if (etag !== undefined && !res.hasHeader('etag')) res.setHeader('ETag', etag)
  if (mtime !== undefined && !res.hasHeader('last-modified')) res.setHeader('Last-Modified', mtime.toUTCString())
  if (options.maxAge !== undefined && !res.hasHeader('cache-control')) {
    res.setHeader('Cache-Control', `public, max-age=${Math.max(0, Math.floor(options.maxAge))}`)
  }
  if (options.acceptRanges !== false) res.setHeader('Accept-Ranges', 'bytes')
  if (!res.hasHeader('content-type')) {
    res.setHeader('Content-Type', options.contentType ?? (mimeTypes().contentType(extname(file)) || 'application/octet-stream'))
  }

  const method = req.method ?? 'GET'
  if ((method === 'GET' || method === 'HEAD') && isFresh(res, etag, mtime)) {
    res.statusCode = 304
    res.removeHeader('content-type')
    res.removeHeader('content-length')
    res.end()
    return finished(res)
  }

  let offset = 0
  let length = st.size
  const range = req.headers.range
  const ifRange = req.headers['if-range'] as string | undefined
  const rangeApplies = options.acceptRanges !== false && range !== undefined && (ifRange === undefined || (etag !== undefined && matchesEtag(ifRange, etag)))
  if (rangeApplies) {
    const ranges = parseRange(st.size, range, { combine: true })
    if (ranges === -1) {
      res.statusCode = 416
      res.setHeader('Content-Range', `bytes */${st.size}`)
      res.setHeader('Content-Length', 0)
      res.end()
      return finished(res)
    }
    // Several ranges would need multipart/byteranges; a full 200 is allowed instead.
    if (Array.isArray(ranges) && ranges.length === 1) {
      offset = ranges[0].start
      length = ranges[0].end - ranges[0].start + 1
      res.statusCode = 206
      res.setHeader('Content-Range', `bytes ${ranges[0].start}-${ranges[0].end}/${st.size}`)
    }
  }
  res.setHeader('Content-Length', length)
  const done = finished(res)
  if (method === 'HEAD' || length === 0) {
    res.end()
  } else if (res.socket instanceof EngineSocket) {
    res.socket._fileBody = { path: file, offset, length }
    res.end()
  } else {
    await pipeline(createReadStream(file, { start: offset, end: offset + length - 1 }), res)
  }
  return done
}
