//! `EventSink`: the JavaScript side of a [`RequestSink`], and the shape of
//! the events it hands over.

use std::sync::Arc;

use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

use crate::sink::{RequestSink, SinkEvent};

/// Event kinds in [`EngineEvent::kind`].
pub const KIND_REQUEST: u32 = 0;
pub const KIND_DRAIN: u32 = 1;
pub const KIND_CLOSED: u32 = 2;

/// One event from the engine. `kind` 0 is a request (all fields set),
/// 1 means the connection's send buffer drained, 2 that the connection closed
/// before its response ended.
#[napi(object)]
pub struct EngineEvent {
  pub kind: u32,
  pub conn_id: i64,
  pub method: Option<String>,
  pub url: Option<String>,
  pub http_version: Option<String>,
  /// `[name, value, name, value, ...]` in arrival order.
  pub raw_headers: Option<Vec<String>>,
  /// Absent when the request has no body.
  pub body: Option<Buffer>,
  pub remote_address: Option<String>,
  pub remote_port: Option<u32>,
  pub local_address: Option<String>,
  pub local_port: Option<u32>,
  pub tls: Option<bool>,
  pub keep_alive: Option<bool>,
}

impl EngineEvent {
  fn bare(kind: u32, conn_id: u64) -> Self {
    EngineEvent {
      kind,
      conn_id: conn_id as i64,
      method: None,
      url: None,
      http_version: None,
      raw_headers: None,
      body: None,
      remote_address: None,
      remote_port: None,
      local_address: None,
      local_port: None,
      tls: None,
      keep_alive: None,
    }
  }
}

impl From<SinkEvent> for EngineEvent {
  fn from(event: SinkEvent) -> Self {
    match event {
      SinkEvent::Drain { conn_id } => EngineEvent::bare(KIND_DRAIN, conn_id),
      SinkEvent::Closed { conn_id } => EngineEvent::bare(KIND_CLOSED, conn_id),
      SinkEvent::Request { conn_id, peer, request } => {
        let head = request.head;
        EngineEvent {
          kind: KIND_REQUEST,
          conn_id: conn_id as i64,
          method: Some(head.method),
          url: Some(head.target),
          http_version: Some(if head.minor == 0 { "1.0".into() } else { "1.1".into() }),
          raw_headers: Some(head.raw_headers),
          body: if request.body.is_empty() { None } else { Some(Buffer::from(request.body)) },
          remote_address: Some(peer.remote_address),
          remote_port: Some(peer.remote_port as u32),
          local_address: Some(peer.local_address),
          local_port: Some(peer.local_port as u32),
          tls: Some(peer.tls),
          keep_alive: Some(head.keep_alive),
        }
      }
    }
  }
}

/// Where one JavaScript thread takes the engine's events for a listener.
/// Its callback (given to `listen`) is called with no arguments whenever
/// events are waiting; call `takeEvents()` then.
#[napi]
pub struct EventSink {
  pub(crate) sink: Arc<RequestSink>,
  pub(crate) listener_id: u64,
  pub(crate) host: String,
  pub(crate) port: u16,
}

#[napi]
impl EventSink {
  /// Id of the listener this sink belongs to.
  #[napi(getter)]
  pub fn listener_id(&self) -> i64 {
    self.listener_id as i64
  }

  /// Local address the listener is bound to.
  #[napi(getter)]
  pub fn host(&self) -> String {
    self.host.clone()
  }

  /// Local port; the real one when port 0 was asked for.
  #[napi(getter)]
  pub fn port(&self) -> u32 {
    self.port as u32
  }

  /// Takes every event queued since the last call.
  #[napi]
  pub fn take_events(&self) -> Vec<EngineEvent> {
    self.sink.take().into_iter().map(EngineEvent::from).collect()
  }
}
