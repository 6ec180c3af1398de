/**
 * Public types of the low-level engine API (`Manager`, `Reply`, `EngineRequest`).
 *
 * These are what the framework adapters build on, and what a user who wants the
 * fastest path (the counterpart of cymongoose's `conn.reply()`) programs against.
 */
import type { Readable } from 'node:stream'

/** A PEM (or DER) certificate, key or CA bundle. */
export type TlsMaterial = string | Buffer

/** A private key, alone or with its own passphrase (node's `key` option). */
export type TlsKey = TlsMaterial | { pem: TlsMaterial; passphrase?: string }

/**
 * The options of one TLS context, as `tls.createSecureContext` takes them.
 * Keys: RSA (2048 to 8192 bits), ECDSA P-256/P-384 or Ed25519, PEM (PKCS#8,
 * PKCS#1 or SEC1; encrypted ones with `passphrase`) or DER.
 */
export interface TlsContextOptions {
  /** Certificate chain (leaf first), or several, one per key (e.g. an RSA and an ECDSA one). */
  cert: TlsMaterial | TlsMaterial[]
  key: TlsKey | TlsKey[]
  /** Decrypts encrypted keys. */
  passphrase?: string
  /** Issuers trusted for client certificates (default: node's `tls.rootCertificates`). */
  ca?: TlsMaterial | TlsMaterial[]
  /** `'TLSv1.2'` (default) or `'TLSv1.3'`; older ones mean TLS 1.2, the oldest rustls speaks. */
  minVersion?: string
  /** `'TLSv1.3'` (default) or `'TLSv1.2'`. */
  maxVersion?: string
}

/**
 * What `SNICallback` may answer: a context made with node's
 * `tls.createSecureContext` (after mgnode was loaded), options for one, or
 * nothing for the default.
 */
export type SniContext = object | TlsContextOptions | null | undefined

/** TLS settings of an `https://` listener: node:https's server options. */
export interface TlsOptions extends TlsContextOptions {
  /** Ask clients for a certificate. Default false. */
  requestCert?: boolean
  /** With `requestCert`: refuse clients without a certificate `ca` trusts. Default true. */
  rejectUnauthorized?: boolean
  /** Protocols offered through ALPN, most preferred first. Default `['http/1.1']`. */
  ALPNProtocols?: Array<string | Buffer>
  /** Chooses the context for the name a client asks for (SNI), as on node:tls. */
  SNICallback?: (servername: string, cb: (err: Error | null, ctx?: SniContext) => void) => void
  /** Contexts by server name (`*` for one label), as `server.addContext` adds them. */
  contexts?: Record<string, SniContext>
}

/** Per-listener limits and timeouts. Every field has a production default. */
export interface ListenOptions {
  /** Required for `https://` URLs. */
  tls?: TlsOptions
  /** Largest accepted request body in bytes; bigger ones get 413. Default 16 MiB. */
  maxBodySize?: number
  /** Largest accepted request head (request line + headers) in bytes; bigger ones get 431. Default 16 KiB. */
  maxHeaderSize?: number
  /** Most header lines accepted in one request; more get 431. Default 100. */
  maxHeaders?: number
  /**
   * Connections open at once; one accepted beyond it is closed at once
   * (node:http's `server.maxConnections`; 0 refuses every connection).
   * Default: no limit.
   */
  maxConnections?: number
  /** Milliseconds a client has to send a complete request head; then 408 and close. Default 60 000. */
  headersTimeout?: number
  /** Milliseconds a client has to send a request body once its head arrived; then 408 and close. Default 300 000. */
  requestTimeout?: number
  /** Milliseconds an idle keep-alive connection is kept open. Default 5 000. */
  keepAliveTimeout?: number
  /**
   * Milliseconds a response may make no progress because its client stopped
   * reading before the connection is aborted. 0 disables. Default 5 000.
   */
  stallTimeout?: number
  /** @deprecated The same as `stallTimeout` (ms), its old name. */
  streamTimeout?: number
}

/** A request as the engine hands it to JavaScript: plain data, copied out of Mongoose. */
export interface EngineRequest {
  /** Mongoose connection id. Never reused within a process. */
  connId: number
  method: string
  /** Request target exactly as sent, e.g. `/a/b?c=1`. */
  url: string
  /** `'1.1'` or `'1.0'`. */
  httpVersion: string
  /** Header names and values in arrival order, duplicates kept: `[name, value, name, value, ...]`. */
  rawHeaders: string[]
  /**
   * The whole request body (chunked bodies are already decoded) when it came
   * whole: bodies of known length up to 256 KiB, and chunked ones that
   * arrived with their head. Empty when there is none. When the body streams
   * (`streamed`), the part that came with the head, which `bodyStream` also
   * gives first. On an upgraded connection (`upgrade`), the bytes that
   * followed the head (node:http's `head`).
   */
  body: Buffer
  /**
   * True when the body is larger, or still arriving: read it from
   * `bodyStream`. The engine stops reading the socket while 256 KiB of it
   * are unread, so a slow consumer slows the client, not the server's memory.
   */
  streamed: boolean
  /** The whole body as a stream, when `streamed`; null otherwise. */
  bodyStream: Readable | null
  /**
   * The request took the connection over (an upgrade the handler's thread
   * accepts, or CONNECT): its `Reply` now carries raw bytes both ways.
   */
  upgrade: boolean
  remoteAddress: string
  remotePort: number
  localAddress: string
  localPort: number
  /** True on `https://` listeners. */
  tls: boolean
  /** False when the connection closes after this response (`Connection: close`, HTTP/1.0, a server closing). */
  keepAlive: boolean
}

/** Outgoing headers: a record (array values become repeated headers) or a flat `[name, value, ...]` list. */
export type OutgoingHeaders = Record<string, string | number | readonly string[]> | readonly string[]

/** What `Manager.listen` resolves to. */
export interface ListenerInfo {
  /** Listener connection id. */
  id: number
  /** The URL as given. */
  url: string
  /** `[host, port]`; the real port when 0 was asked for. */
  localAddr: [string, number]
}
