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

use napi_derive::napi;

use crate::bridge::request_sink::{Dispatch, SinkEvent};
use crate::http::request_body::Body;

/// The kind of an event in a batch: the first number of each.
#[napi]
pub enum EventKind {
  /// `[0, connId, httpMinor, flags, remotePort, localPort, bodyIndex,
  /// headerCount, len(method), len(url), len(remoteAddress),
  /// len(localAddress), len(name0), len(value0), ...]`.
  Request = 0,
  /// `[1, connId]`: the send buffer drained after a write asked to be told.
  Drain = 1,
  /// `[2, connId]`: the connection closed (or moved to another thread).
  Closed = 2,
  /// `[3, connId, bodyIndex]`: more of a streamed body or upgraded stream.
  Data = 3,
  /// `[4, connId]`: the streamed body is complete, or the upgraded stream's peer finished sending.
  End = 4,
  /// `[5, connId]`: the peer finished sending while its request was with
  /// JavaScript, unanswered: node:http treats the client as gone (the
  /// request is aborted), as do most servers.
  Hangup = 5,
  /// `[6, remotePort, localPort, len(remoteAddress), len(localAddress)]`: a
  /// connection over the listener's `maxConnections` was closed at accept
  /// (node:http's `'drop'` event).
  Drop = 6,
}

/// Numbers a request takes in a batch before its header lengths.
#[napi]
pub const REQUEST_FIXED_NUMBERS: u32 = 12;

/// Bits of a request's flags number.
#[napi]
pub enum RequestFlag {
  Tls = 1,
  KeepAlive = 2,
  /// The body follows in `Data` events and an `End`.
  Streamed = 4,
  /// The connection is upgraded: the body is the bytes after the head, the
  /// stream follows in `Data` events.
  Upgrade = 8,
  /// `Expect: 100-continue`, and the app decides whether to send it
  /// (node:http's 'checkContinue'); the engine did not.
  CheckContinue = 16,
  /// Another `Expect` value, for the app to answer ('checkExpectation').
  CheckExpectation = 32,
}

/// The body index of a request without one.
const NO_BODY: f64 = -1.0;

/// One batch, ready to become JavaScript values.
#[derive(Default)]
pub struct EventBatch {
  pub text: String,
  pub numbers: Vec<f64>,
  pub bodies: Vec<Body>,
}

fn kind(kind: EventKind) -> f64 {
  f64::from(kind as u32)
}

impl EventBatch {
  /// Encodes `events` in order, each as [`EventKind`] describes; the text
  /// of a request's fields goes to `text` in the order of their lengths, and
  /// a body index of -1 means no body.
  pub fn encode(events: Vec<SinkEvent>) -> Self {
    let mut batch = EventBatch { numbers: Vec::with_capacity(events.len() * 16), ..Default::default() };
    for event in events {
      match event {
        SinkEvent::Drain { conn_id } => batch.numbers.extend([kind(EventKind::Drain), conn_id as f64]),
        SinkEvent::Closed { conn_id } => batch.numbers.extend([kind(EventKind::Closed), conn_id as f64]),
        SinkEvent::End { conn_id } => batch.numbers.extend([kind(EventKind::End), conn_id as f64]),
        SinkEvent::Hangup { conn_id } => batch.numbers.extend([kind(EventKind::Hangup), conn_id as f64]),
        SinkEvent::Dropped { peer } => {
          batch.numbers.extend([kind(EventKind::Drop), peer.remote_port as f64, peer.local_port as f64]);
          batch.push_text(&peer.remote_address);
          batch.push_text(&peer.local_address);
        }
        SinkEvent::Data { conn_id, data } => {
          let body = batch.add_body(data);
          batch.numbers.extend([kind(EventKind::Data), conn_id as f64, body]);
        }
        SinkEvent::Request { conn_id, peer, request, how } => {
          let head = request.head;
          let mut flags = 0;
          if peer.tls {
            flags |= RequestFlag::Tls as u32;
          }
          if head.keep_alive {
            flags |= RequestFlag::KeepAlive as u32;
          }
          if head.continue_by_app {
            flags |= RequestFlag::CheckContinue as u32;
          }
          if head.expectation {
            flags |= RequestFlag::CheckExpectation as u32;
          }
          match how {
            Dispatch::Whole => {}
            Dispatch::Streamed => flags |= RequestFlag::Streamed as u32,
            Dispatch::Raw => flags |= RequestFlag::Upgrade as u32,
          }
          let body = batch.add_body(request.body);
          batch.numbers.extend([
            kind(EventKind::Request),
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

  /// Adds a body to hand over; its index, or -1 for an empty one.
  fn add_body(&mut self, body: Body) -> f64 {
    if body.is_empty() {
      return NO_BODY;
    }
    self.bodies.push(body);
    (self.bodies.len() - 1) as f64
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
      expectation: false,
      continue_by_app: false,
      upgrade: false,
    };
    SinkEvent::Request { conn_id, peer, request: ParsedRequest { head, body: Body::from(body) }, how: Dispatch::Whole }
  }

  #[test]
  fn requests_drains_and_closes_keep_their_order() {
    let batch = EventBatch::encode(vec![
      request(7, "/a", &["Host", "x"], b""),
      SinkEvent::Drain { conn_id: 8 },
      request(9, "/b", &[], b"body"),
      SinkEvent::Closed { conn_id: 10 },
      SinkEvent::Data { conn_id: 11, data: Body::from(&b"more"[..]) },
      SinkEvent::End { conn_id: 11 },
    ]);
    assert_eq!(batch.text, "POST/a::1::1HostxPOST/b::1::1");
    assert_eq!(
      batch.numbers,
      vec![
        0.0, 7.0, 1.0, 3.0, 40000.0, 8000.0, -1.0, 1.0, 4.0, 2.0, 3.0, 3.0, 4.0, 1.0, //
        1.0, 8.0, //
        0.0, 9.0, 1.0, 3.0, 40000.0, 8000.0, 0.0, 0.0, 4.0, 2.0, 3.0, 3.0, //
        2.0, 10.0, //
        3.0, 11.0, 1.0, //
        4.0, 11.0,
      ]
    );
    assert_eq!(batch.bodies.len(), 2);
    assert_eq!(batch.bodies[0], b"body");
    assert_eq!(batch.bodies[1], b"more");
  }

  #[test]
  fn a_dropped_connection_carries_both_addresses() {
    let peer = Arc::new(Peer {
      remote_address: "127.0.0.1".into(),
      remote_port: 40001,
      local_address: "127.0.0.1".into(),
      local_port: 8000,
      tls: false,
    });
    let batch = EventBatch::encode(vec![SinkEvent::Dropped { peer }, SinkEvent::Closed { conn_id: 3 }]);
    assert_eq!(batch.text, "127.0.0.1127.0.0.1");
    assert_eq!(batch.numbers, vec![6.0, 40001.0, 8000.0, 9.0, 9.0, 2.0, 3.0]);
  }

  #[test]
  fn lengths_count_utf16_units_not_bytes() {
    // "é" is 2 bytes in UTF-8 but 1 unit in JavaScript; "😀" is 4 bytes and 2 units.
    let batch = EventBatch::encode(vec![request(1, "/é😀", &["X-Name", "café"], b"")]);
    assert_eq!(&batch.numbers[8..14], &[4.0, 4.0, 3.0, 3.0, 6.0, 4.0]);
  }
}
