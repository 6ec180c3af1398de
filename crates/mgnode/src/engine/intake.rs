//! Reading on the Mongoose thread: bytes that arrived on a connection become
//! requests (whole, or with a body that streams after them), parts of a
//! streamed body, or, on an upgraded connection, raw data, each handed to the
//! connection's sink.

use std::time::Instant;

use super::connection::Mode;
use super::Engine;
use crate::bridge::request_sink::Dispatch;
use crate::http::canned::CONTINUE;
use crate::http::request_body::Body;
use crate::http::request_parser::Parsed;

impl Engine {
  /// Parses whatever is buffered on a connection and hands on what it finds.
  pub(super) fn process(&mut self, id: u64) {
    let now = Instant::now();
    let Some(c) = self.conns.get_mut(&id) else { return };
    let conn = c.conn();
    if c.mode() == Mode::Raw {
      if !conn.is_closing() && conn.recv_len() > 0 {
        let data = Body::from(conn.recv());
        conn.consume(usize::MAX);
        if let Some(sink) = c.forward(id, data, false) {
          self.to_ring.push(sink);
        }
      }
      return;
    }
    if c.discarding() {
      conn.consume(usize::MAX);
      return;
    }
    loop {
      if conn.is_closing() {
        return;
      }
      // One request at a time per connection: pipelined ones wait in the
      // buffer, but the body of the current one is still read.
      if (c.is_busy() && !c.reading_body()) || c.is_parked() {
        c.update_reading();
        return;
      }
      let buf = conn.recv();
      if buf.is_empty() {
        if c.peer_done() && !c.is_busy() && !c.is_parked() {
          // The peer finished and everything it asked for is answered.
          c.close_after_sent();
          self.to_flush.push(id);
        }
        return;
      }
      c.request_arriving(now);
      let hooks = c.hooks();
      let listener = c.listener().clone();
      let (used, outcome) = c.parser().feed(buf, &listener.config.limits, hooks);
      conn.consume(used);
      match outcome {
        Parsed::More => {
          if used == 0 {
            if c.peer_done() && !c.is_busy() {
              // A request cut short by the end of the stream is never complete.
              c.close_after_sent();
              self.to_flush.push(id);
            }
            return;
          }
        }
        Parsed::SendContinue => {
          c.queue_copy(CONTINUE);
          self.to_flush.push(id);
        }
        Parsed::Request(request) => match c.next_sink() {
          Some(sink) => c.dispatch(id, sink, request, Dispatch::Whole, &mut self.to_ring),
          None => c.park(request, now),
        },
        Parsed::Streamed(request) => {
          let Some(sink) = c.next_sink() else {
            // No thread to stream to: nothing can take the body.
            c.refuse(503);
            self.to_flush.push(id);
            return;
          };
          if request.head.expect_continue && request.body.is_empty() && !request.head.continue_by_app {
            // As node:http does when nothing listens for 'checkContinue'.
            c.queue_copy(CONTINUE);
            self.to_flush.push(id);
          }
          c.dispatch(id, sink, request, Dispatch::Streamed, &mut self.to_ring);
        }
        Parsed::BodyPart { data, last } => {
          if let Some(sink) = c.forward(id, data, last) {
            self.to_ring.push(sink);
          }
        }
        Parsed::Upgrade(mut request) => {
          let sink = c.next_sink().filter(|s| {
            let takes = s.hooks();
            if request.head.method == "CONNECT" {
              takes.connect
            } else {
              takes.upgrade
            }
          });
          let Some(sink) = sink else {
            // CONNECT with nothing to take it: node:http destroys the socket.
            conn.close_now();
            return;
          };
          // The bytes after the head are the upgraded stream's first (node's `head`).
          request.body = Body::from(conn.recv());
          conn.consume(usize::MAX);
          c.dispatch(id, sink, request, Dispatch::Raw, &mut self.to_ring);
          if c.peer_done() {
            // The FIN came with the request (read before it was parsed): the
            // upgraded stream ends right after its first bytes.
            if let Some(sink) = c.forward(id, Body::new(), true) {
              self.to_ring.push(sink);
            }
          }
          return;
        }
        Parsed::Reject(status) => {
          if c.is_busy() {
            // The request is with JavaScript and its body went wrong.
            c.fail_request(status);
          } else {
            c.reject(status, now);
          }
          self.to_flush.push(id);
          return;
        }
      }
    }
  }

  /// Parses connections that became ready for it while commands were applied.
  pub(super) fn parse_pending(&mut self) {
    while let Some(id) = self.to_parse.pop() {
      self.process(id);
    }
  }

  /// JavaScript read `bytes` of what it was handed; reading may resume.
  pub(super) fn acknowledge(&mut self, id: u64, bytes: usize) {
    if let Some(c) = self.conns.get_mut(&id) {
      c.acknowledge(bytes);
    }
  }

  /// The peer finished sending (see `Connection::finish_reading`); requests
  /// already read are then parsed and answered.
  pub(super) fn on_peer_done(&mut self, id: u64) {
    let Some(c) = self.conns.get_mut(&id) else { return };
    if let Some(sink) = c.finish_reading(id) {
      self.to_ring.push(sink);
    }
    self.process(id);
  }
}
