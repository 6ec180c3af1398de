//! The periodic sweep on the Mongoose thread: slow clients, idle keep-alive
//! connections (closed after their timeout, their buffers freed before),
//! stalled readers and requests parked for want of a worker.

use std::time::Duration;

use super::{Engine, PARK_LIMIT};

/// How long a keep-alive connection waits between requests before its
/// buffers are freed: long enough that busy connections keep theirs.
const RELEASE_BUFFERS_AFTER: Duration = Duration::from_secs(1);
/// At most this often, freed buffers' pages go back to the system (a walk of the heap).
const COLLECT_EVERY: Duration = Duration::from_secs(1);

impl Engine {
  /// Timeouts: slow request heads and bodies, idle keep-alive, stalled readers.
  pub(super) fn sweep(&mut self) {
    let now = self.now;

    for c in self.conns.values_mut() {
      let conn = c.conn;
      let timeouts = c.listener.timeouts.get();
      let stream_timeout = timeouts.stream_ms;
      let stalled = c.stalled_for(now);
      if c.unsent() > 0 {
        // Checked even while closing after a flush: a client that stopped
        // reading would otherwise hold the connection forever.
        if stream_timeout > 0 && stalled > Duration::from_millis(stream_timeout) {
          conn.close_now();
        }
        continue;
      }
      if conn.is_closing() || c.busy {
        continue;
      }
      if let Some((_, since)) = &c.parked {
        if now.duration_since(*since) > PARK_LIMIT {
          c.parked = None;
          c.refuse(503);
        }
        continue;
      }
      if let Some(started) = c.request_started {
        let limit = if c.parser.reading_head() { timeouts.headers_ms } else { timeouts.request_ms };
        if limit > 0 && now.duration_since(started) > Duration::from_millis(limit) {
          conn.consume(usize::MAX);
          c.refuse(408);
        }
      } else {
        let idle = now.duration_since(c.idle_since);
        if timeouts.keep_alive_ms > 0 && idle > Duration::from_millis(timeouts.keep_alive_ms) {
          conn.close_now();
        } else if idle > RELEASE_BUFFERS_AFTER {
          self.released_buffers |= conn.release_buffers();
        }
      }
    }
    if self.released_buffers && now.duration_since(self.last_collect) >= COLLECT_EVERY {
      self.released_buffers = false;
      self.last_collect = now;
      // SAFETY: a plain call into the allocator, on the thread that freed the memory.
      unsafe { mongoose_sys::mgn_alloc_collect() };
    }
  }
}
