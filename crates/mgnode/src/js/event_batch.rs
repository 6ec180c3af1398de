//! `EventBatch`: the engine's events for one JavaScript thread, encoded for a
//! cheap hand-over.
//!
//! Building a JavaScript array element by element through N-API costs a
//! generic property store per value, which showed up as the largest single
//! cost on the JavaScript thread. A batch instead crosses as three values: one
//! string holding every text field back to back, one `Float64Array` of numbers
//! (kinds, ids, ports, flags and the length of each text field, in JavaScript
//! string units), and the request bodies. JavaScript walks the numbers and
//! slices the text, which V8 does without copying long fields.

use crate::bridge::request_sink::SinkEvent;
use crate::http::request_body::Body;

/// Event kinds, the first number of each event.
pub const KIND_REQUEST: f64 = 0.0;
pub const KIND_DRAIN: f64 = 1.0;
pub const KIND_CLOSED: f64 = 2.0;

/// Bits of a request's flags number.
pub const FLAG_TLS: u32 = 1;
pub const FLAG_KEEP_ALIVE: u32 = 2;

/// No body: the body index of a request without one.
pub const NO_BODY: f64 = -1.0;

/// One batch, ready to become JavaScript values.
#[derive(Default)]
pub struct EventBatch {
  pub text: String,
  pub numbers: Vec<f64>,
  pub bodies: Vec<Body>,
}

impl EventBatch {
  /// Encodes `events` in order.
  ///
  /// A request is `[0, connId, httpMinor, flags, remotePort, localPort,
  /// bodyIndex, headerCount, len(method), len(url), len(remoteAddress),
  /// len(localAddress), len(name0), len(value0), ...]` with the fields' text in
  /// that order in `text`; `bodyIndex` is -1 without a body. A drain is
  /// `[1, connId]`, a close before the response ended `[2, connId]`.
  pub fn encode(events: Vec<SinkEvent>) -> Self {
    let mut batch = EventBatch { numbers: Vec::with_capacity(events.len() * 16), ..Default::default() };
    for event in events {
      match event {
        SinkEvent::Drain { conn_id } => batch.numbers.extend([KIND_DRAIN, conn_id as f64]),
        SinkEvent::Closed { conn_id } => batch.numbers.extend([KIND_CLOSED, conn_id as f64]),
        SinkEvent::Request { conn_id, peer, request } => {
          let head = request.head;
          let flags = (if peer.tls { FLAG_TLS } else { 0 }) | (if head.keep_alive { FLAG_KEEP_ALIVE } else { 0 });
          let body = if request.body.is_empty() {
            NO_BODY
          } else {
            batch.bodies.push(request.body);
            (batch.bodies.len() - 1) as f64
          };
          batch.numbers.extend([
            KIND_REQUEST,
            conn_id as f64,
            head.minor as f64,
            flags as f64,
            peer.remote_port as f64,
            peer.local_port as f64,
            body,
            (head.raw_headers.len() / 2) as f64,
          ]);
          batch.push_text(&head.method);
          batch.push_text(&head.target);
          batch.push_text(&peer.remote_address);
          batch.push_text(&peer.local_address);
          for field in &head.raw_headers {
            batch.push_text(field);
          }
        }
      }
    }
    batch
  }

  /// Appends a field and its length as JavaScript counts it (UTF-16 units).
  fn push_text(&mut self, field: &str) {
    let units = if field.is_ascii() { field.len() } else { field.encode_utf16().count() };
    self.text.push_str(field);
    self.numbers.push(units as f64);
  }
}

#[cfg(test)]
mod tests {
  use std::sync::Arc;

  use super::*;
  use crate::bridge::request_sink::Peer;
  use crate::http::request_parser::{Head, ParsedRequest};

  fn request(conn_id: u64, target: &str, headers: &[&str], body: &[u8]) -> SinkEvent {
    let peer = Arc::new(Peer {
      remote_address: "::1".into(),
      remote_port: 40000,
      local_address: "::1".into(),
      local_port: 8000,
      tls: true,
    });
    let head = Head {
      method: "POST".into(),
      target: target.into(),
      minor: 1,
      raw_headers: headers.iter().map(|s| s.to_string()).collect(),
      keep_alive: true,
      expect_continue: false,
    };
    SinkEvent::Request { conn_id, peer, request: ParsedRequest { head, body: Body::from(body) } }
  }

  #[test]
  fn requests_drains_and_closes_keep_their_order() {
    let batch = EventBatch::encode(vec![
      request(7, "/a", &["Host", "x"], b""),
      SinkEvent::Drain { conn_id: 8 },
      request(9, "/b", &[], b"body"),
      SinkEvent::Closed { conn_id: 10 },
    ]);
    assert_eq!(batch.text, "POST/a::1::1HostxPOST/b::1::1");
    assert_eq!(
      batch.numbers,
      vec![
        0.0, 7.0, 1.0, 3.0, 40000.0, 8000.0, -1.0, 1.0, 4.0, 2.0, 3.0, 3.0, 4.0, 1.0, //
        1.0, 8.0, //
        0.0, 9.0, 1.0, 3.0, 40000.0, 8000.0, 0.0, 0.0, 4.0, 2.0, 3.0, 3.0, //
        2.0, 10.0,
      ]
    );
    assert_eq!(batch.bodies.len(), 1);
    assert_eq!(batch.bodies[0], b"body");
  }

  #[test]
  fn lengths_count_utf16_units_not_bytes() {
    // "é" is 2 bytes in UTF-8 but 1 unit in JavaScript; "😀" is 4 bytes and 2 units.
    let batch = EventBatch::encode(vec![request(1, "/é😀", &["X-Name", "café"], b"")]);
    assert_eq!(&batch.numbers[8..14], &[4.0, 4.0, 3.0, 3.0, 6.0, 4.0]);
  }
}
