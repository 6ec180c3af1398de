/**
 * The TLS members of a connection's socket (`tls.TLSSocket`'s): what the
 * handshake settled, read from the engine when first asked.
 */
import { X509Certificate } from 'node:crypto'

import type { Reply } from '../reply'

type NativeSession = NonNullable<ReturnType<Reply['tlsSession']>>

/** OpenSSL's names of the TLS 1.2 suites rustls offers (node reports these in `getCipher().name`). */
const OPENSSL_NAMES: Record<string, string> = {
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
}

/** The engine's reasons as OpenSSL's verify codes, which node reports in `authorizationError`. */
function authorizationCode(reason: string, chain: Buffer[]): string {
  switch (reason) {
    case 'NoCertificate':
      return 'UNABLE_TO_GET_ISSUER_CERT'
    case 'UnknownIssuer': {
      const certs = chain.map((der) => new X509Certificate(der))
      const last = certs[certs.length - 1]
      // Self-issued (its issuer is its subject): what OpenSSL calls self-signed here.
      if (last !== undefined && last.subject === last.issuer) return certs.length === 1 ? 'DEPTH_ZERO_SELF_SIGNED_CERT' : 'SELF_SIGNED_CERT_IN_CHAIN'
      return 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'
    }
    case 'Expired':
      return 'CERT_HAS_EXPIRED'
    case 'NotValidYet':
      return 'CERT_NOT_YET_VALID'
    case 'BadSignature':
      return 'CERT_SIGNATURE_FAILURE'
    case 'Revoked':
      return 'CERT_REVOKED'
    case 'InvalidPurpose':
      return 'INVALID_PURPOSE'
    default:
      return 'CERT_REJECTED'
  }
}

type LegacyCertificate = ReturnType<X509Certificate['toLegacyObject']> & { issuerCertificate?: LegacyCertificate }

/** node's certificate object for a DER chain; with `detailed`, each links to its issuer. */
function peerCertificate(chain: Buffer[], detailed: boolean): LegacyCertificate | Record<string, never> {
  if (chain.length === 0) return {}
  const certs = chain.map((der) => new X509Certificate(der))
  const objects: LegacyCertificate[] = certs.map((c) => c.toLegacyObject() as LegacyCertificate)
  if (!detailed) return objects[0]
  for (let i = 0; i < objects.length; i++) {
    const next = i + 1 < objects.length ? objects[i + 1] : undefined
    // The last of a chain that ends in a self-signed root is its own issuer, as in node.
    if (next !== undefined) objects[i].issuerCertificate = next
    else if (certs[i].checkIssued(certs[i])) objects[i].issuerCertificate = objects[i]
  }
  return objects[0]
}

const kSession = Symbol('mgnode.tlsSession')

interface TlsSocketState {
  [kSession]: { reply: Reply; session: NativeSession | null }
}

function sessionOf(socket: unknown): NativeSession | null {
  const state = (socket as TlsSocketState)[kSession]
  if (state.session === null) state.session = state.reply.tlsSession()
  return state.session
}

/** Members of `tls.TLSSocket` a server-side socket has; `this` is the socket. */
const MEMBERS: PropertyDescriptorMap = {
  authorized: {
    get(this: unknown) {
      return sessionOf(this)?.authorized ?? false
    },
    configurable: true,
    enumerable: true,
  },
  authorizationError: {
    get(this: unknown) {
      const s = sessionOf(this)
      return s?.authorizationError ? authorizationCode(s.authorizationError, s.peerCertificates) : null
    },
    configurable: true,
    enumerable: true,
  },
  alpnProtocol: {
    get(this: unknown) {
      return sessionOf(this)?.alpnProtocol ?? false
    },
    configurable: true,
    enumerable: true,
  },
  servername: {
    get(this: unknown) {
      return sessionOf(this)?.servername ?? false
    },
    configurable: true,
    enumerable: true,
  },
  getPeerCertificate: {
    value(this: unknown, detailed?: boolean) {
      const s = sessionOf(this)
      return s === null ? null : peerCertificate(s.peerCertificates, detailed === true)
    },
    configurable: true,
    writable: true,
  },
  getProtocol: {
    value(this: unknown) {
      return sessionOf(this)?.protocol ?? null
    },
    configurable: true,
    writable: true,
  },
  getCipher: {
    value(this: unknown) {
      const s = sessionOf(this)
      if (s === null) return undefined
      return { name: OPENSSL_NAMES[s.cipher] ?? s.cipher, standardName: s.cipher, version: s.protocol }
    },
    configurable: true,
    writable: true,
  },
  isSessionReused: {
    value(this: unknown) {
      return sessionOf(this)?.sessionReused ?? false
    },
    configurable: true,
    writable: true,
  },
}

/** Gives a TLS connection's socket the members of `tls.TLSSocket` (server side). */
export function addTlsMembers(socket: object, reply: Reply): void {
  Object.defineProperty(socket, kSession, { value: { reply, session: null }, enumerable: false })
  Object.defineProperties(socket, MEMBERS)
}
