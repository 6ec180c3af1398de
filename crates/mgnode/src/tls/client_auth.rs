//! Client certificates when `requestCert` is set but `rejectUnauthorized`
//! is not: the handshake asks for a certificate and takes whatever comes
//! (checking only that the client holds its key), and the certificate is
//! judged afterwards, so the app can read `authorized` and
//! `authorizationError` as on node:https.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, Error, RootCertStore, SignatureScheme};

#[derive(Debug)]
pub struct OfferOnly {
  hints: Vec<DistinguishedName>,
  provider: Arc<CryptoProvider>,
}

impl OfferOnly {
  pub fn new(roots: &RootCertStore, provider: Arc<CryptoProvider>) -> Self {
    OfferOnly { hints: roots.subjects(), provider }
  }
}

impl ClientCertVerifier for OfferOnly {
  fn client_auth_mandatory(&self) -> bool {
    false
  }

  fn root_hint_subjects(&self) -> &[DistinguishedName] {
    &self.hints
  }

  fn verify_client_cert(
    &self,
    _end_entity: &CertificateDer<'_>,
    _intermediates: &[CertificateDer<'_>],
    _now: UnixTime,
  ) -> Result<ClientCertVerified, Error> {
    // Judged after the handshake (see `verdict`).
    Ok(ClientCertVerified::assertion())
  }

  fn verify_tls12_signature(
    &self,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
  ) -> Result<HandshakeSignatureValid, Error> {
    rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
  }

  fn verify_tls13_signature(
    &self,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
  ) -> Result<HandshakeSignatureValid, Error> {
    rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
  }

  fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
    self.provider.signature_verification_algorithms.supported_schemes()
  }
}

/// Why a client certificate is not trusted, in words JavaScript maps to
/// node's `authorizationError` codes (see src/tls/peer.ts); `None` when it is.
pub fn verdict(
  audit: Option<&Arc<dyn ClientCertVerifier>>,
  chain: Option<&[CertificateDer<'static>]>,
) -> Option<String> {
  let Some((leaf, intermediates)) = chain.and_then(|c| c.split_first()) else {
    return Some("NoCertificate".into());
  };
  let Some(audit) = audit else {
    return Some("UnknownIssuer".into());
  };
  match audit.verify_client_cert(leaf, intermediates, UnixTime::now()) {
    Ok(_) => None,
    Err(Error::InvalidCertificate(e)) => Some(certificate_error(&e).into()),
    Err(_) => Some("Other".into()),
  }
}

fn certificate_error(e: &CertificateError) -> &'static str {
  match e {
    CertificateError::UnknownIssuer => "UnknownIssuer",
    CertificateError::Expired | CertificateError::ExpiredContext { .. } => "Expired",
    CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => "NotValidYet",
    CertificateError::BadSignature => "BadSignature",
    CertificateError::Revoked => "Revoked",
    CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => "InvalidPurpose",
    CertificateError::BadEncoding => "BadEncoding",
    _ => "Other",
  }
}
