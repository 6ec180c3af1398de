//! The periodic sweep on the Mongoose thread: slow clients, idle keep-alive
//! connections (closed after their timeout, their buffers freed before),
//! stalled readers and requests parked for want of a worker. Each
//! connection decides what is due ([`super::connection::Connection::sweep`]).

use std::time::Duration;

use super::connection::Due;
use super::{Engine, PARK_LIMIT};

/// At most this often, freed buffers' pages go back to the system (a walk of the heap).
const COLLECT_EVERY: Duration = Duration::from_secs(1);

impl Engine {
  /// Timeouts: slow request heads and bodies, idle keep-alive, stalled readers.
  pub(super) fn sweep(&mut self) {
    let now = self.now;
    for (id, c) in self.conns.iter_mut() {
      match c.sweep(now, PARK_LIMIT) {
        Due::Nothing => {}
        Due::Close => c.conn().close_now(),
        Due::ReleaseBuffers => self.released_buffers |= c.conn().release_buffers(),
      }
      if c.unsent() > 0 {
        // A refusal the sweep queued.
        self.to_flush.push(*id);
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
