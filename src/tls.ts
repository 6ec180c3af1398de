/**
 * Checks TLS material before it reaches Mongoose, whose built-in TLS fails
 * only at handshake time (and silently) on keys it cannot use.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto'

import { MgnodeError } from './errors'
import type { TlsOptions } from './types'

const KEY_HINT =
  'An EC P-256 key handshakes fastest: `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout key.pem -out cert.pem -subj /CN=localhost`'

/** Returns the certificate and key as Buffers, or throws `ERR_MGNODE_TLS` explaining what is wrong. */
export function checkTls(tls: TlsOptions): { cert: Buffer; key: Buffer } {
  const cert = Buffer.isBuffer(tls.cert) ? tls.cert : Buffer.from(tls.cert)
  const key = Buffer.isBuffer(tls.key) ? tls.key : Buffer.from(tls.key)
  let x509: X509Certificate
  let privateKey: ReturnType<typeof createPrivateKey>
  try {
    x509 = new X509Certificate(cert)
  } catch (err) {
    throw new MgnodeError('ERR_MGNODE_TLS', `tls.cert is not a PEM certificate: ${(err as Error).message}`)
  }
  try {
    privateKey = createPrivateKey(key)
  } catch (err) {
    throw new MgnodeError('ERR_MGNODE_TLS', `tls.key is not a PEM private key: ${(err as Error).message}`)
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new MgnodeError('ERR_MGNODE_TLS', 'tls.key does not match tls.cert')
  }
  // What Mongoose 7.23's built-in TLS can sign a handshake with (with the
  // build-time fixes in crates/mongoose-sys/build/fixes.rs); anything else
  // would only fail later, at each client's handshake, as a reset.
  const details = privateKey.asymmetricKeyDetails ?? {}
  const type = privateKey.asymmetricKeyType
  const bits = details.modulusLength ?? 0
  const supported = type === 'rsa' ? bits >= 2048 && bits <= 4096 : type === 'ec' && details.namedCurve === 'prime256v1'
  if (!supported) {
    const kind = type === 'rsa' ? `RSA-${bits}` : type === 'ec' ? `EC ${details.namedCurve}` : String(type).toUpperCase()
    throw new MgnodeError('ERR_MGNODE_TLS', `Unsupported ${kind} key: the built-in TLS supports EC P-256 keys and RSA keys of 2048 to 4096 bits. ${KEY_HINT}`)
  }
  return { cert, key }
}
