//! `Context`: one set of TLS options compiled for rustls, as node's
//! `tls.createSecureContext` compiles them for OpenSSL. A listener has a
//! default context and may have more, chosen by the name the client asks for
//! (SNI).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::danger::ClientCertVerifier;
use rustls::server::{ServerConfig, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{RootCertStore, SignatureAlgorithm, SupportedProtocolVersion};

use super::client_auth::OfferOnly;
use super::key_choice::KeyChoice;

/// TLS protocol versions rustls speaks.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Version {
  Tls12,
  Tls13,
}

impl Version {
  /// node's names (`'TLSv1.2'`, ...). Versions before 1.2 mean 1.2: rustls has none older.
  pub fn from_node(name: &str) -> Result<Version, String> {
    match name {
      "TLSv1" | "TLSv1.1" | "TLSv1.2" => Ok(Version::Tls12),
      "TLSv1.3" => Ok(Version::Tls13),
      other => Err(format!("unknown TLS version {other:?} (expected 'TLSv1.2' or 'TLSv1.3')")),
    }
  }

  fn rustls(self) -> &'static SupportedProtocolVersion {
    match self {
      Version::Tls12 => &rustls::version::TLS12,
      Version::Tls13 => &rustls::version::TLS13,
    }
  }
}

/// What a context is made of, as JavaScript gives it (keys already decrypted).
pub struct Material {
  /// Certificate chains, PEM or DER, one per key (leaf first).
  pub certs: Vec<Vec<u8>>,
  /// Private keys, PEM (PKCS#8, PKCS#1 or SEC1) or DER.
  pub keys: Vec<Vec<u8>>,
  /// Trusted issuers of client certificates, PEM bundles or DER.
  pub ca: Vec<Vec<u8>>,
  pub min_version: Version,
  pub max_version: Version,
  /// Ask clients for a certificate (node's `requestCert`).
  pub request_cert: bool,
  /// Refuse clients without a valid certificate (node's `rejectUnauthorized`).
  pub reject_unauthorized: bool,
  /// ALPN protocols, most preferred first; empty: no ALPN.
  pub alpn: Vec<Vec<u8>>,
}

/// A compiled context.
pub struct Context {
  pub config: Arc<ServerConfig>,
  /// Checks client certificates once the handshake is over, when the
  /// handshake itself accepts any (`requestCert` without `rejectUnauthorized`).
  pub audit: Option<Arc<dyn ClientCertVerifier>>,
  pub request_cert: bool,
  /// Client certificates were verified during the handshake (`rejectUnauthorized`).
  pub verified_in_handshake: bool,
  /// Running estimate of the first handshake step (the server's whole first
  /// flight: key exchange and signature), in nanoseconds.
  hello_cost_ns: AtomicU64,
}

/// First estimates, before anything was measured: what a first flight costs
/// with each kind of key (RSA and P-384 signing take milliseconds with ring;
/// see bench/README.md). Measurements then replace them.
fn first_estimate(key: &CertifiedKey) -> Duration {
  match key.key.algorithm() {
    SignatureAlgorithm::ECDSA if is_p384(key) => Duration::from_millis(1),
    SignatureAlgorithm::RSA => Duration::from_millis(2),
    _ => Duration::from_micros(200),
  }
}

/// True when the key signs with ECDSA P-384 (ring's P-384 is ten times P-256's cost).
fn is_p384(key: &CertifiedKey) -> bool {
  key.key.choose_scheme(&[rustls::SignatureScheme::ECDSA_NISTP384_SHA384]).is_some()
}

impl Context {
  pub fn build(material: Material) -> Result<Context, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    if material.certs.is_empty() || material.certs.len() != material.keys.len() {
      return Err("a TLS context needs as many certificates as keys (at least one)".into());
    }
    let mut keys = Vec::with_capacity(material.keys.len());
    for (cert, key) in material.certs.iter().zip(&material.keys) {
      keys.push(Arc::new(certified_key(&provider, cert, key)?));
    }
    let estimate = keys.iter().map(|k| first_estimate(k)).min().unwrap_or_default();
    let (low, high) = (material.min_version.min(material.max_version), material.max_version);
    let versions: Vec<&'static SupportedProtocolVersion> =
      [Version::Tls12, Version::Tls13].into_iter().filter(|v| (low..=high).contains(v)).map(Version::rustls).collect();
    let builder = ServerConfig::builder_with_provider(provider.clone())
      .with_protocol_versions(&versions)
      .map_err(|e| format!("TLS versions: {e}"))?;
    let mut audit = None;
    let builder = if material.request_cert {
      let roots = root_store(&material.ca)?;
      let strict = if roots.is_empty() {
        None
      } else {
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots.clone()), provider.clone());
        let verifier = if material.reject_unauthorized { verifier } else { verifier.allow_unauthenticated() };
        Some(verifier.build().map_err(|e| format!("tls.ca: {e}"))?)
      };
      match (material.reject_unauthorized, strict) {
        (true, Some(strict)) => builder.with_client_cert_verifier(strict),
        (true, None) => return Err("requestCert with rejectUnauthorized needs tls.ca: the issuers to trust".into()),
        (false, strict) => {
          audit = strict;
          builder.with_client_cert_verifier(Arc::new(OfferOnly::new(&roots, provider.clone())))
        }
      }
    } else {
      builder.with_no_client_auth()
    };
    let mut config = builder.with_cert_resolver(Arc::new(KeyChoice::new(keys)));
    config.alpn_protocols = material.alpn;
    config.ticketer = rustls::crypto::ring::Ticketer::new().map_err(|e| format!("session tickets: {e}"))?;
    Ok(Context {
      config: Arc::new(config),
      audit,
      request_cert: material.request_cert,
      verified_in_handshake: material.request_cert && material.reject_unauthorized,
      hello_cost_ns: AtomicU64::new(estimate.as_nanos() as u64),
    })
  }

  /// What the first handshake step is expected to cost.
  pub fn hello_cost(&self) -> Duration {
    Duration::from_nanos(self.hello_cost_ns.load(Ordering::Relaxed))
  }

  /// Folds a measured first step into the estimate (a quarter of the new one).
  pub fn measured_hello(&self, took: Duration) {
    let took = took.as_nanos().min(u64::MAX as u128) as u64;
    let _ = self.hello_cost_ns.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| Some(old - old / 4 + took / 4));
  }
}

/// A certificate chain and its private key, checked to belong together.
fn certified_key(provider: &CryptoProvider, cert: &[u8], key: &[u8]) -> Result<CertifiedKey, String> {
  let chain = certificates(cert).map_err(|e| format!("tls.cert: {e}"))?;
  if chain.is_empty() {
    return Err("tls.cert holds no certificate".into());
  }
  let key = private_key(key).map_err(|e| format!("tls.key: {e}"))?;
  let signing = provider.key_provider.load_private_key(key).map_err(|_| {
    "tls.key: unsupported key type: TLS here signs with RSA keys of 2048 to 8192 bits, ECDSA P-256 or P-384 keys, and Ed25519 keys".to_string()
  })?;
  let certified = CertifiedKey::new(chain, signing);
  match certified.keys_match() {
    Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
      Err("tls.key does not match tls.cert".into())
    }
    // A certificate webpki cannot read (an X.509 version 1 certificate, which
    // `openssl x509 -req` makes without extensions) can still be served, as
    // node:https serves it: only the match cannot be checked up front.
    _ => Ok(certified),
  }
}

/// Every certificate of a PEM bundle, or one DER certificate.
fn certificates(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
  if is_pem(bytes) {
    CertificateDer::pem_slice_iter(bytes).collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())
  } else {
    Ok(vec![CertificateDer::from(bytes.to_vec())])
  }
}

/// A PEM private key (PKCS#8, PKCS#1 or SEC1), or a DER one.
fn private_key(bytes: &[u8]) -> Result<PrivateKeyDer<'static>, String> {
  if is_pem(bytes) {
    PrivateKeyDer::from_pem_slice(bytes).map_err(|e| e.to_string())
  } else {
    PrivateKeyDer::try_from(bytes.to_vec()).map_err(|e| e.to_string())
  }
}

fn is_pem(bytes: &[u8]) -> bool {
  bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

fn root_store(ca: &[Vec<u8>]) -> Result<RootCertStore, String> {
  let mut roots = RootCertStore::empty();
  for bundle in ca {
    let certs = certificates(bundle).map_err(|e| format!("tls.ca: {e}"))?;
    roots.add_parsable_certificates(certs);
  }
  Ok(roots)
}
