//! What JavaScript may ask about a TLS connection once its handshake is
//! over (node's `getPeerCertificate()`, `authorized`, `getProtocol()`, ...).
//! Published by the Mongoose thread, read by any JavaScript thread through
//! its `Responder`; keyed by manager and connection id.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::bridge::loop_handle::LoopHandle;

pub struct SessionInfo {
  /// `TLSv1.2` or `TLSv1.3`.
  pub protocol: &'static str,
  /// IANA name of the cipher suite.
  pub cipher: String,
  pub alpn: Option<String>,
  /// The name the client asked for (SNI).
  pub servername: Option<String>,
  /// Resumed from a ticket or session id.
  pub resumed: bool,
  /// The client's certificates (DER, its own first).
  pub peer_chain: Vec<Vec<u8>>,
  pub authorized: bool,
  /// Why the client certificate is not trusted (see `client_auth::verdict`).
  pub authorization_error: Option<String>,
}

type Key = (usize, u64);

fn table() -> &'static Mutex<HashMap<Key, Arc<SessionInfo>>> {
  static TABLE: OnceLock<Mutex<HashMap<Key, Arc<SessionInfo>>>> = OnceLock::new();
  TABLE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// A manager is known by its loop handle, which lives as long as it does.
fn key(handle: &Arc<LoopHandle>, conn_id: u64) -> Key {
  (Arc::as_ptr(handle) as usize, conn_id)
}

pub fn publish(handle: &Arc<LoopHandle>, conn_id: u64, info: SessionInfo) {
  if let Ok(mut t) = table().lock() {
    t.insert(key(handle, conn_id), Arc::new(info));
  }
}

pub fn forget(handle: &Arc<LoopHandle>, conn_id: u64) {
  if let Ok(mut t) = table().lock() {
    t.remove(&key(handle, conn_id));
  }
}

pub fn lookup(handle: &Arc<LoopHandle>, conn_id: u64) -> Option<Arc<SessionInfo>> {
  table().lock().ok()?.get(&key(handle, conn_id)).cloned()
}
