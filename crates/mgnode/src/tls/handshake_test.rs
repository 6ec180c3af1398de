//! Handshakes in memory, server (a [`Context`]) against a rustls client, for
//! every key type and both protocol versions; and what the server's first
//! flight costs with each, which decides where it runs (see `budget.rs`).
//! `cargo test --release -p mgnode handshake -- --nocapture` prints the costs.

use std::io::{Read, Write};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::server::Acceptor;
use rustls::{ClientConfig, ClientConnection, ProtocolVersion, RootCertStore};

use super::context::{Context, Material, Version};

/// A self-signed certificate for `localhost` and its key, made by openssl.
fn self_signed(newkey: &[&str]) -> (Vec<u8>, Vec<u8>) {
  let dir =
    std::env::temp_dir().join(format!("mgnode-hs-{}-{}", std::process::id(), newkey.join("_").replace([':', '/'], "")));
  std::fs::create_dir_all(&dir).unwrap();
  let (key, cert) = (dir.join("k.pem"), dir.join("c.pem"));
  let status = Command::new("openssl")
    .args(["req", "-x509", "-newkey"])
    .args(newkey)
    .args(["-nodes", "-days", "1", "-subj", "/CN=localhost"])
    .args(["-addext", "basicConstraints=critical,CA:FALSE", "-addext", "subjectAltName=DNS:localhost"])
    .arg("-keyout")
    .arg(&key)
    .arg("-out")
    .arg(&cert)
    .output()
    .expect("openssl runs");
  assert!(status.status.success(), "openssl: {}", String::from_utf8_lossy(&status.stderr));
  let pair = (std::fs::read(&cert).unwrap(), std::fs::read(&key).unwrap());
  std::fs::remove_dir_all(&dir).ok();
  pair
}

fn context(cert: &[u8], key: &[u8]) -> Context {
  Context::build(Material {
    certs: vec![cert.to_vec()],
    keys: vec![key.to_vec()],
    ca: vec![],
    min_version: Version::Tls12,
    max_version: Version::Tls13,
    request_cert: false,
    reject_unauthorized: true,
    alpn: vec![b"http/1.1".to_vec()],
  })
  .expect("context builds")
}

fn client(cert: &[u8], version: &'static rustls::SupportedProtocolVersion) -> ClientConnection {
  let mut roots = RootCertStore::empty();
  roots.add_parsable_certificates(CertificateDer::pem_slice_iter(cert).map(|c| c.unwrap()));
  let provider = Arc::new(rustls::crypto::ring::default_provider());
  let config = ClientConfig::builder_with_provider(provider)
    .with_protocol_versions(&[version])
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
  ClientConnection::new(Arc::new(config), ServerName::try_from("localhost").unwrap()).unwrap()
}

/// One handshake; returns the negotiated version and how long the server's first flight took.
fn handshake(
  ctx: &Context,
  cert: &[u8],
  version: &'static rustls::SupportedProtocolVersion,
) -> (ProtocolVersion, Duration) {
  let mut client = client(cert, version);
  let mut wire = Vec::new();
  client.write_tls(&mut wire).unwrap();
  let mut acceptor = Acceptor::default();
  acceptor.read_tls(&mut wire.as_slice()).unwrap();
  let accepted = acceptor.accept().unwrap().expect("a whole ClientHello");
  let started = Instant::now();
  let mut server = accepted.into_connection(ctx.config.clone()).map_err(|(e, _)| e).unwrap();
  let first_flight = started.elapsed();
  for _ in 0..4 {
    let mut to_client = Vec::new();
    while server.wants_write() {
      server.write_tls(&mut to_client).unwrap();
    }
    let mut slice = to_client.as_slice();
    while !slice.is_empty() {
      client.read_tls(&mut slice).unwrap();
      client.process_new_packets().unwrap();
    }
    let mut to_server = Vec::new();
    while client.wants_write() {
      client.write_tls(&mut to_server).unwrap();
    }
    let mut slice = to_server.as_slice();
    while !slice.is_empty() {
      server.read_tls(&mut slice).unwrap();
      server.process_new_packets().unwrap();
    }
    if !server.is_handshaking() && !client.is_handshaking() {
      break;
    }
  }
  assert!(!server.is_handshaking() && !client.is_handshaking(), "handshake did not complete");
  client.writer().write_all(b"ping").unwrap();
  let mut to_server = Vec::new();
  client.write_tls(&mut to_server).unwrap();
  server.read_tls(&mut to_server.as_slice()).unwrap();
  server.process_new_packets().unwrap();
  let mut got = [0u8; 4];
  server.reader().read_exact(&mut got).unwrap();
  assert_eq!(&got, b"ping");
  (server.protocol_version().unwrap(), first_flight)
}

#[test]
fn handshake_every_key_type_with_tls13_and_tls12_clients_and_first_flight_cost() {
  let kinds: [(&str, &[&str]); 6] = [
    ("RSA-2048", &["rsa:2048"]),
    ("RSA-4096", &["rsa:4096"]),
    ("ECDSA P-256", &["ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]),
    ("ECDSA P-384", &["ec", "-pkeyopt", "ec_paramgen_curve:secp384r1"]),
    ("Ed25519", &["ed25519"]),
    ("RSA-3072", &["rsa:3072"]),
  ];
  for (name, newkey) in kinds {
    let (cert, key) = self_signed(newkey);
    let ctx = context(&cert, &key);
    for (version, expect) in
      [(&rustls::version::TLS13, ProtocolVersion::TLSv1_3), (&rustls::version::TLS12, ProtocolVersion::TLSv1_2)]
    {
      let mut costs: Vec<Duration> = (0..15)
        .map(|_| {
          let (got, cost) = handshake(&ctx, &cert, version);
          assert_eq!(got, expect, "{name}");
          cost
        })
        .collect();
      costs.sort();
      eprintln!("{name:12} {expect:?}: server's first flight, median of 15: {:>6} µs", costs[7].as_micros());
    }
  }
}
