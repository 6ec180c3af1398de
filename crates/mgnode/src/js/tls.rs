//! TLS as JavaScript sees it: compiled contexts (`TlsContext`), and what a
//! connection's handshake settled (`TlsSession`).

use std::sync::Arc;

use napi::bindgen_prelude::Buffer;
use napi::{Error, Result, Status};
use napi_derive::napi;

use crate::tls::context::{Context, Material, Version};
use crate::tls::sessions::SessionInfo;

/// TLS options as `tls.createSecureContext` takes them (keys decrypted by JavaScript).
#[napi(object)]
pub struct NativeTlsOptions {
  /// Certificate chains (PEM or DER), one per key.
  pub cert: Vec<Buffer>,
  /// Private keys (PEM: PKCS#8, PKCS#1 or SEC1; or DER), unencrypted.
  pub key: Vec<Buffer>,
  /// Issuers trusted for client certificates (PEM bundles or DER).
  pub ca: Option<Vec<Buffer>>,
  /// `'TLSv1.2'` (default) or `'TLSv1.3'`.
  pub min_version: Option<String>,
  /// `'TLSv1.3'` (default) or `'TLSv1.2'`.
  pub max_version: Option<String>,
  pub request_cert: Option<bool>,
  pub reject_unauthorized: Option<bool>,
  /// ALPN protocols, most preferred first (default `['http/1.1']`).
  pub alpn_protocols: Option<Vec<String>>,
}

/// A compiled set of TLS options: node's `SecureContext`, for rustls.
#[napi]
pub struct TlsContext {
  pub(crate) inner: Arc<Context>,
}

#[napi]
impl TlsContext {
  /// Parses the certificates and keys and builds the context; throws with
  /// what is wrong.
  #[napi(constructor)]
  pub fn new(options: NativeTlsOptions) -> Result<Self> {
    let version = |v: Option<String>, default| match v {
      Some(name) => Version::from_node(&name).map_err(|e| Error::new(Status::InvalidArg, e)),
      None => Ok(default),
    };
    let material = Material {
      certs: options.cert.iter().map(|b| b.to_vec()).collect(),
      keys: options.key.iter().map(|b| b.to_vec()).collect(),
      ca: options.ca.unwrap_or_default().iter().map(|b| b.to_vec()).collect(),
      min_version: version(options.min_version, Version::Tls12)?,
      max_version: version(options.max_version, Version::Tls13)?,
      request_cert: options.request_cert.unwrap_or(false),
      reject_unauthorized: options.reject_unauthorized.unwrap_or(true),
      alpn: options
        .alpn_protocols
        .unwrap_or_else(|| vec!["http/1.1".into()])
        .into_iter()
        .map(String::into_bytes)
        .collect(),
    };
    let inner = Context::build(material).map_err(|e| Error::new(Status::InvalidArg, e))?;
    Ok(TlsContext { inner: Arc::new(inner) })
  }
}

/// What a TLS connection's handshake settled.
#[napi(object, object_from_js = false)]
pub struct TlsSession {
  /// `'TLSv1.2'` or `'TLSv1.3'`.
  pub protocol: String,
  /// IANA name of the cipher suite.
  pub cipher: String,
  pub alpn_protocol: Option<String>,
  pub servername: Option<String>,
  pub session_reused: bool,
  /// The client's certificate chain, DER, its own first (empty without `requestCert`).
  pub peer_certificates: Vec<Buffer>,
  pub authorized: bool,
  /// Why the client certificate is not trusted: `NoCertificate`,
  /// `UnknownIssuer`, `Expired`, `NotValidYet`, `BadSignature`, `Revoked`,
  /// `InvalidPurpose`, `BadEncoding` or `Other`.
  pub authorization_error: Option<String>,
}

impl From<&SessionInfo> for TlsSession {
  fn from(s: &SessionInfo) -> Self {
    TlsSession {
      protocol: s.protocol.into(),
      cipher: s.cipher.clone(),
      alpn_protocol: s.alpn.clone(),
      servername: s.servername.clone(),
      session_reused: s.resumed,
      peer_certificates: s.peer_chain.iter().map(|d| Buffer::from(d.clone())).collect(),
      authorized: s.authorized,
      authorization_error: s.authorization_error.clone(),
    }
  }
}
