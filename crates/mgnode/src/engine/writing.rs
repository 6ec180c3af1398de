//! Writing on the Mongoose thread: bytes and files from JavaScript on their
//! way to sockets, the end of a response, drain reports, and the end of an
//! upgraded connection's sending side.

use std::time::Instant;

use super::connection::{Connection, Mode};
use super::file_sender::{FileBody, QUEUE_LIMIT};
use super::payload::Payload;
use super::{Engine, LOW_WATER};
use crate::bridge::command::{WriteBatch, WriteFlag};
use crate::bridge::request_sink::SinkEvent;
use crate::http::canned::{chunk_prefix, LAST_CHUNK};

impl Engine {
  /// Response bytes from a `Write` command.
  pub(super) fn write(&mut self, id: u64, data: Payload, flags: u32) {
    let len = data.len();
    self.write_with(id, len, flags, |c| c.queue(data));
  }

  /// Every write of a `WriteBatch`, in order; the bytes are copied where they go.
  pub(super) fn write_batch(&mut self, batch: &WriteBatch) {
    for (w, bytes) in batch.iter() {
      self.write_with(w.conn, bytes.len(), w.flags, |c| c.queue_copy(bytes));
    }
  }

  /// Queues `len` bytes that `put` adds (framed as a chunk if asked), then
  /// applies the end, close and drain flags.
  fn write_with(&mut self, id: u64, len: usize, flags: u32, put: impl FnOnce(&mut Connection)) {
    let Some(c) = self.conns.get_mut(&id) else { return };
    if !c.is_busy() {
      // A response for a request that already ended (or a closed connection).
      return;
    }
    if WriteFlag::Chunked.set_in(flags) {
      if len > 0 {
        c.queue_copy(chunk_prefix(len).as_bytes());
        put(c);
        c.queue_copy(b"\r\n");
      }
      if WriteFlag::End.set_in(flags) {
        c.queue_copy(LAST_CHUNK);
      }
    } else if len > 0 {
      put(c);
    }
    self.to_flush.push(id);
    if WriteFlag::WantDrain.set_in(flags) && c.want_drain() {
      self.drain_watch.push(id);
    }
    if c.mode() == Mode::Raw {
      // An upgraded connection has no responses: END ends its sending side.
      if WriteFlag::Close.set_in(flags) {
        c.close_after_sent();
      } else if WriteFlag::End.set_in(flags) {
        c.shutdown_after_sent();
        if c.shutdown_pending() {
          self.shutdown_watch.push(id);
        }
      }
      return;
    }
    if WriteFlag::End.set_in(flags) {
      self.end_response(id, WriteFlag::Close.set_in(flags));
    }
  }

  /// Drops a connection at once, cutting its response short; between
  /// responses (node:http's `socket.destroy()` on an idle socket) the last
  /// response still goes out in full.
  pub(super) fn abort(&mut self, id: u64) {
    let Some(c) = self.conns.get_mut(&id) else { return };
    if c.is_busy() {
      c.conn().close_now();
    } else {
      c.close_after_sent();
      self.to_flush.push(id);
    }
  }

  /// Closes a connection at once with a TCP reset, whatever it was doing.
  pub(super) fn reset(&mut self, id: u64) {
    if let Some(c) = self.conns.get_mut(&id) {
      c.conn().reset_now();
    }
  }

  /// Writes what was queued in this pass, and keeps writing outboxes as their sockets drain.
  pub(super) fn flush_writes(&mut self) {
    // Writing now rather than after the next poll saves a pass per response.
    for id in self.to_flush.drain(..) {
      let Some(c) = self.conns.get_mut(&id) else { continue };
      if c.flush() && !c.watch_outbox(true) {
        self.out_watch.push(id);
      }
    }
    if self.out_watch.is_empty() {
      return;
    }
    let conns = &mut self.conns;
    self.out_watch.retain(|id| {
      let Some(c) = conns.get_mut(id) else { return false };
      let waiting = c.flush_if_room();
      c.watch_outbox(waiting);
      waiting
    });
  }

  /// The current response is complete: the connection is free for the next
  /// request (parsed once this pass's commands are applied), or closes.
  pub(super) fn end_response(&mut self, id: u64, close: bool) {
    let Some(c) = self.conns.get_mut(&id) else { return };
    if c.end_response(close, Instant::now()) {
      // The next pipelined request may already be buffered.
      self.to_parse.push(id);
    }
  }

  /// Starts sending a file as the rest of the current response's body.
  pub(super) fn send_file(&mut self, id: u64, path: &str, offset: u64, length: u64, flags: u32) {
    let Some(c) = self.conns.get_mut(&id) else { return };
    if !c.is_busy() || c.has_file() {
      return;
    }
    match FileBody::open(path, offset, length, flags) {
      Ok(body) => {
        c.set_file(body);
        self.file_watch.push(id);
      }
      // The head is already out, so the response cannot become an error: cut it.
      Err(_) => c.conn().close_now(),
    }
  }

  /// Reads file bodies into connections that have room for more.
  pub(super) fn pump_files(&mut self) {
    if self.file_watch.is_empty() {
      return;
    }
    let mut done: Vec<(u64, bool)> = Vec::new();
    let conns = &mut self.conns;
    let to_flush = &mut self.to_flush;
    self.file_watch.retain(|id| {
      let Some(c) = conns.get_mut(id) else { return false };
      let Some(mut body) = c.take_file() else { return false };
      if c.conn().is_closing() {
        return false;
      }
      while !body.is_done() && c.unsent() < QUEUE_LIMIT {
        match body.next_slice() {
          Ok(slice) => c.queue(slice.into()),
          Err(_) => {
            // The head is out and the length promised: cut the response.
            c.conn().close_now();
            return false;
          }
        }
      }
      to_flush.push(*id);
      if body.is_done() {
        done.push((*id, WriteFlag::Close.set_in(body.flags)));
        return false;
      }
      c.set_file(body);
      true
    });
    for (id, close) in done {
      self.end_response(id, close);
    }
  }

  /// Tells JS about connections whose send buffer drained.
  pub(super) fn check_drains(&mut self) {
    if self.drain_watch.is_empty() {
      return;
    }
    let conns = &mut self.conns;
    let to_ring = &mut self.to_ring;
    self.drain_watch.retain(|id| {
      let Some(c) = conns.get_mut(id) else { return false };
      match c.drain_due(LOW_WATER) {
        None => false,
        Some(false) => true,
        Some(true) => {
          if let Some(sink) = c.current_sink() {
            sink.push(SinkEvent::Drain { conn_id: *id });
            to_ring.push(sink.clone());
          }
          false
        }
      }
    });
  }

  /// Shuts the sending side of upgraded connections whose bytes have all left.
  pub(super) fn check_shutdowns(&mut self) {
    if self.shutdown_watch.is_empty() {
      return;
    }
    let conns = &mut self.conns;
    self.shutdown_watch.retain(|id| conns.get_mut(id).is_some_and(|c| !c.shutdown_if_sent()));
  }
}
