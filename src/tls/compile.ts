/**
 * Turns TLS options (node:https's names) into the engine's compiled
 * contexts. Encrypted keys are decrypted here, with node's crypto, which
 * reads every format node does; everything else is parsed by the engine
 * (rustls), whose refusals come back as `ERR_MGNODE_TLS`.
 */
import { createPrivateKey } from 'node:crypto'
import { rootCertificates } from 'node:tls'

import { MgnodeError } from '../errors'
import { binding } from '../native'
import type { TlsContextOptions, TlsKey, TlsMaterial, TlsOptions } from '../types'

export type NativeTlsContext = InstanceType<typeof binding.TlsContext>

/** What node's servers set for every context, not per context. */
export type ServerTlsSettings = Pick<TlsOptions, 'requestCert' | 'rejectUnauthorized' | 'ALPNProtocols' | 'ca' | 'minVersion' | 'maxVersion'>

function fail(message: string): never {
  throw new MgnodeError('ERR_MGNODE_TLS', message)
}

function list<T>(value: T | readonly T[] | undefined | null): T[] {
  if (value === undefined || value === null) return []
  return Array.isArray(value) ? [...(value as T[])] : [value as T]
}

function bytes(value: TlsMaterial): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value)
}

const isPem = (b: Buffer): boolean => b.includes('-----BEGIN ')

/** A key the engine can read: as given, or decrypted to PKCS#8 when it is encrypted. */
function keyBytes(key: TlsKey, passphrase: string | undefined): Buffer {
  const given = typeof key === 'object' && !Buffer.isBuffer(key) ? key : { pem: key, passphrase }
  const pem = bytes(given.pem)
  if (!isPem(pem)) return pem
  const encrypted = pem.includes('ENCRYPTED')
  let parsed
  try {
    parsed = createPrivateKey({ key: pem, passphrase: given.passphrase ?? passphrase })
  } catch (err) {
    const detail = (err as Error).message
    if (encrypted && given.passphrase === undefined && passphrase === undefined) fail(`tls.key is encrypted: give its passphrase (${detail})`)
    fail(`tls.key is not a private key mgnode can read: ${detail}`)
  }
  return encrypted ? Buffer.from(parsed.export({ type: 'pkcs8', format: 'pem' }) as string) : pem
}

function alpn(protocols: Array<string | Buffer> | undefined): string[] | undefined {
  return protocols?.map((p) => (Buffer.isBuffer(p) ? p.toString('latin1') : String(p)))
}

/**
 * Compiles one context. `server` holds the listener's own settings, which
 * apply to its every context (a context's own `ca` and versions win).
 */
export function compileContext(options: TlsContextOptions, server: ServerTlsSettings = {}): NativeTlsContext {
  if (options === null || typeof options !== 'object') fail('TLS options must be an object with cert and key')
  if ((options as { pfx?: unknown }).pfx !== undefined) fail('tls.pfx is not supported: give cert and key (PEM)')
  const certs = list(options.cert).map(bytes)
  const keys = list(options.key).map((k) => keyBytes(k, options.passphrase))
  if (certs.length === 0 || keys.length === 0) fail('TLS needs cert and key')
  if (certs.length !== keys.length) fail(`tls.cert and tls.key pair up: ${certs.length} certificate(s) for ${keys.length} key(s)`)
  const requestCert = server.requestCert === true
  const caGiven = options.ca ?? server.ca
  // node trusts its bundled root certificates when no ca is given.
  const ca = caGiven !== undefined ? list(caGiven).map(bytes) : requestCert ? rootCertificates.map((c) => Buffer.from(c)) : []
  try {
    return new binding.TlsContext({
      cert: certs,
      key: keys,
      ca,
      minVersion: options.minVersion ?? server.minVersion,
      maxVersion: options.maxVersion ?? server.maxVersion,
      requestCert,
      rejectUnauthorized: server.rejectUnauthorized !== false,
      alpnProtocols: alpn(server.ALPNProtocols),
    })
  } catch (err) {
    fail((err as Error).message)
  }
}

/** The listener-wide settings in a listener's options. */
export function serverSettings(options: TlsOptions): ServerTlsSettings {
  const { requestCert, rejectUnauthorized, ALPNProtocols, ca, minVersion, maxVersion } = options
  return { requestCert, rejectUnauthorized, ALPNProtocols, ca, minVersion, maxVersion }
}
