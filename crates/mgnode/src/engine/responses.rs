//! Response commands on the Mongoose thread: bytes and files from JavaScript
//! on their way to sockets, the end of a response, and drain reports.

use std::time::Instant;

use super::{Engine, LOW_WATER};
use crate::command::{write_flags, WriteBatch};
use crate::connection::Connection;
use crate::file_body::{FileBody, QUEUE_LIMIT};
use crate::payload::Payload;
use crate::response::{chunk_prefix, LAST_CHUNK};
use crate::sink::SinkEvent;

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
    if !c.busy {
      // A response for a request that already ended (or a closed connection).
      return;
    }
    if flags & write_flags::CHUNKED != 0 {
      if len > 0 {
        c.queue_copy(chunk_prefix(len).as_bytes());
        put(c);
        c.queue_copy(b"\r\n");
      }
      if flags & write_flags::END != 0 {
        c.queue_copy(LAST_CHUNK);
      }
    } else if len > 0 {
      put(c);
    }
    self.to_flush.push(id);
    if flags & write_flags::WANT_DRAIN != 0 && !c.want_drain {
      c.want_drain = true;
      self.drain_watch.push(id);
    }
    if flags & write_flags::END != 0 {
      self.end_response(id, flags & write_flags::CLOSE != 0);
    }
  }

  /// Writes what was queued in this pass, and keeps writing outboxes as their sockets drain.
  pub(super) fn flush_writes(&mut self) {
    // Writing now rather than after the next poll saves a pass per response.
    for id in self.to_flush.drain(..) {
      let Some(c) = self.conns.get_mut(&id) else { continue };
      c.flush();
      if c.has_outbox() && !c.out_watched {
        c.out_watched = true;
        self.out_watch.push(id);
      }
    }
    if self.out_watch.is_empty() {
      return;
    }
    let conns = &mut self.conns;
    self.out_watch.retain(|id| {
      let Some(c) = conns.get_mut(id) else { return false };
      if c.outbox_has_room() {
        c.flush();
      }
      c.out_watched = c.has_outbox();
      c.out_watched
    });
  }

  /// The current response is complete: free the connection for the next
  /// request, or close it.
  pub(super) fn end_response(&mut self, id: u64, close: bool) {
    let Some(c) = self.conns.get_mut(&id) else { return };
    let conn = c.conn;
    if std::mem::take(&mut c.busy) {
      if let Some(sink) = &c.served_by {
        sink.request_done();
      }
    }
    c.want_drain = false;
    c.idle_since = Instant::now();
    if close || !c.keep_alive || (c.listener.closed.get() && !c.listener.linger.get()) {
      c.close_after_sent();
      return;
    }
    if c.paused {
      conn.set_paused(false);
      c.paused = false;
    }
    // The next pipelined request may already be buffered.
    self.process(id);
  }

  /// Starts sending a file as the rest of the current response's body.
  pub(super) fn send_file(&mut self, id: u64, path: &str, offset: u64, length: u64, flags: u32) {
    let Some(c) = self.conns.get_mut(&id) else { return };
    if !c.busy || c.file.is_some() {
      return;
    }
    match FileBody::open(path, offset, length, flags) {
      Ok(body) => {
        c.file = Some(body);
        self.file_watch.push(id);
      }
      // The head is already out, so the response cannot become an error: cut it.
      Err(_) => c.conn.close_now(),
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
      let Some(mut body) = c.file.take() else { return false };
      if c.conn.is_closing() {
        return false;
      }
      while !body.is_done() && c.unsent() < QUEUE_LIMIT {
        match body.next_slice() {
          Ok(slice) => c.queue(slice.into()),
          Err(_) => {
            // The head is out and the length promised: cut the response.
            c.conn.close_now();
            return false;
          }
        }
      }
      to_flush.push(*id);
      if body.is_done() {
        done.push((*id, body.flags & write_flags::CLOSE != 0));
        return false;
      }
      c.file = Some(body);
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
      if !c.want_drain {
        return false;
      }
      if c.unsent() > LOW_WATER {
        return true;
      }
      c.want_drain = false;
      if let Some(sink) = c.current_sink() {
        sink.push(SinkEvent::Drain { conn_id: *id });
        to_ring.push(sink.clone());
      }
      false
    });
  }
}
