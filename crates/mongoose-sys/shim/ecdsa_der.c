/*
 * DER encoding of an ECDSA P-256 signature for TLS CertificateVerify.
 *
 * Mongoose 7.23 encodes r and s as 32-byte INTEGERs, with a zero byte in front
 * when the top bit is set, but keeps leading zero bytes. DER wants the
 * shortest form, and OpenSSL (so Node, curl, browsers built on it) rejects the
 * handshake with "bad signature" when it is not: about one handshake in 256.
 * build.rs points Mongoose's CertificateVerify code at this function instead.
 */
#include <string.h>

#include "shim.h"

/* Appends INTEGER `v` (32 bytes, big-endian, unsigned) to `out`; returns the bytes written (at most 35). */
static size_t der_unsigned(const uint8_t *v, uint8_t *out) {
  size_t skip = 0;
  while (skip < 31 && v[skip] == 0) skip++;
  size_t len = 32 - skip;
  size_t pad = (v[skip] & 0x80) ? 1 : 0; /* keep it positive */
  out[0] = 0x02;
  out[1] = (uint8_t) (len + pad);
  if (pad) out[2] = 0;
  memcpy(out + 2 + pad, v + skip, len);
  return 2 + pad + len;
}

size_t mgn_ecdsa_sig_der(const uint8_t sig[64], uint8_t out[72]) {
  size_t n = 2;
  n += der_unsigned(sig, out + n);
  n += der_unsigned(sig + 32, out + n);
  out[0] = 0x30; /* SEQUENCE of r and s */
  out[1] = (uint8_t) (n - 2);
  return n;
}
