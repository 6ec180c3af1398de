//! `EventSink`: the JavaScript side of a [`RequestSink`], and the shape of
//! the events it hands over.

use std::sync::Arc;

use napi::bindgen_prelude::{Array, Buffer, Null};
use napi::{Env, Result};
use napi_derive::napi;

use crate::sink::{RequestSink, SinkEvent};

/// Event kinds, the first slot of each event in `takeEvents()`'s flat array.
pub const KIND_REQUEST: u32 = 0;
pub const KIND_DRAIN: u32 = 1;
pub const KIND_CLOSED: u32 = 2;

/// Bits of a request's `flags` slot.
pub const FLAG_TLS: u32 = 1;
pub const FLAG_KEEP_ALIVE: u32 = 2;

/// Appends one event to the flat array, returning the next free index.
///
/// A flat array of plain values is much cheaper to build through N-API than
/// one object per event (each named property costs a key lookup and a shape
/// transition); JavaScript reads it by position.
fn append(out: &mut Array, mut i: u32, event: SinkEvent) -> Result<u32> {
  match event {
    SinkEvent::Drain { conn_id } | SinkEvent::Closed { conn_id } => {
      let kind = if matches!(event, SinkEvent::Drain { .. }) { KIND_DRAIN } else { KIND_CLOSED };
      out.set(i, kind)?;
      out.set(i + 1, conn_id as i64)?;
      i += 2;
    }
    SinkEvent::Request { conn_id, peer, request } => {
      let head = request.head;
      let flags = (if peer.tls { FLAG_TLS } else { 0 }) | (if head.keep_alive { FLAG_KEEP_ALIVE } else { 0 });
      out.set(i, KIND_REQUEST)?;
      out.set(i + 1, conn_id as i64)?;
      out.set(i + 2, head.method)?;
      out.set(i + 3, head.target)?;
      out.set(i + 4, head.minor as u32)?;
      out.set(i + 5, head.raw_headers)?;
      if request.body.is_empty() {
        out.set(i + 6, Null)?;
      } else {
        out.set(i + 6, Buffer::from(request.body))?;
      }
      out.set(i + 7, peer.remote_address.as_str())?;
      out.set(i + 8, peer.remote_port as u32)?;
      out.set(i + 9, peer.local_address.as_str())?;
      out.set(i + 10, peer.local_port as u32)?;
      out.set(i + 11, flags)?;
      i += 12;
    }
  }
  Ok(i)
}

/// Where one JavaScript thread takes the engine's events for a listener.
/// Its callback (given to `listen`) is called with no arguments whenever
/// events are waiting; call `takeEvents()` then.
#[napi]
pub struct EventSink {
  pub(crate) sink: Arc<RequestSink>,
  pub(crate) listener_id: u64,
}

#[napi]
impl EventSink {
  /// Id of the listener this sink belongs to.
  #[napi(getter)]
  pub fn listener_id(&self) -> i64 {
    self.listener_id as i64
  }

  /// Process-wide id of this sink (for `Manager.detachSink`).
  #[napi(getter)]
  pub fn sink_id(&self) -> i64 {
    self.sink.id() as i64
  }

  /// Takes every event queued since the last call, as one flat array:
  /// a request is `[0, connId, method, url, httpMinor, rawHeaders, body|null,
  /// remoteAddress, remotePort, localAddress, localPort, flags]` (flags: 1 TLS,
  /// 2 keep-alive); a drain is `[1, connId]`; a close before the response
  /// ended is `[2, connId]`.
  #[napi(ts_return_type = "Array<unknown>")]
  pub fn take_events<'env>(&self, env: &'env Env) -> Result<Array<'env>> {
    let events = self.sink.take();
    let mut out = env.create_array(0)?;
    let mut i = 0;
    for event in events {
      i = append(&mut out, i, event)?;
    }
    Ok(out)
  }
}
