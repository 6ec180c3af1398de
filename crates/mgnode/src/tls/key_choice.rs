//! `KeyChoice`: picks, among a context's certificates (node's `cert` and
//! `key` given as arrays, e.g. an RSA and an ECDSA one), the first whose key
//! can sign with a scheme the client offers.

use std::sync::Arc;

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

#[derive(Debug)]
pub struct KeyChoice {
  keys: Vec<Arc<CertifiedKey>>,
}

impl KeyChoice {
  pub fn new(keys: Vec<Arc<CertifiedKey>>) -> Self {
    KeyChoice { keys }
  }
}

impl ResolvesServerCert for KeyChoice {
  fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
    let offered = hello.signature_schemes();
    let usable = self.keys.iter().find(|k| k.key.choose_scheme(offered).is_some());
    // None refuses the handshake: rustls then answers with an alert.
    usable.or(self.keys.first()).cloned()
  }
}
