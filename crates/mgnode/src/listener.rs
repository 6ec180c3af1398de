//! `Listener`: a listening socket and the sinks its requests go to.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use crate::command::{ListenerConfig, Timeouts};
use crate::conn::Conn;
use crate::sink::RequestSink;

pub struct Listener {
  pub conn: Conn,
  pub config: ListenerConfig,
  /// Starts as `config.timeouts`; `SetTimeouts` changes it.
  pub timeouts: Cell<Timeouts>,
  pub sinks: RefCell<Vec<Arc<RequestSink>>>,
  /// Where the next tie-break starts.
  next_sink: Cell<usize>,
  pub closed: Cell<bool>,
  /// Closed the way node:http's `close()` closes: connections busy at the
  /// time stay open as keep-alive connections until they are idle too long.
  pub linger: Cell<bool>,
}

impl Listener {
  pub fn new(conn: Conn, config: ListenerConfig, sink: Option<Arc<RequestSink>>) -> Self {
    Listener {
      conn,
      timeouts: Cell::new(config.timeouts),
      config,
      sinks: RefCell::new(sink.into_iter().collect()),
      next_sink: Cell::new(0),
      closed: Cell::new(false),
      linger: Cell::new(false),
    }
  }

  /// The sink with the fewest requests in flight; ties go round-robin.
  pub fn pick_sink(&self) -> Option<Arc<RequestSink>> {
    let sinks = self.sinks.borrow();
    let n = sinks.len();
    if n <= 1 {
      return sinks.first().cloned();
    }
    let start = self.next_sink.get() % n;
    let best = (0..n).map(|k| (start + k) % n).min_by_key(|&i| sinks[i].in_flight())?;
    self.next_sink.set(best + 1);
    Some(sinks[best].clone())
  }

  /// The sink for a connection's next request: the one that served its last
  /// while it is still attached (its thread keeps the connection's socket),
  /// else the least busy.
  pub fn sink_for(&self, last: Option<&Arc<RequestSink>>) -> Option<Arc<RequestSink>> {
    if let Some(last) = last {
      if self.sinks.borrow().iter().any(|s| Arc::ptr_eq(s, last)) {
        return Some(last.clone());
      }
    }
    self.pick_sink()
  }

  /// Removes the sink with this id, returning it.
  pub fn remove_sink(&self, sink_id: u64) -> Vec<Arc<RequestSink>> {
    let mut sinks = self.sinks.borrow_mut();
    let (gone, kept): (Vec<_>, Vec<_>) = sinks.drain(..).partition(|s| s.id() == sink_id);
    *sinks = kept;
    gone
  }
}

impl Drop for Listener {
  fn drop(&mut self) {
    // No connection can produce requests for these sinks any more.
    for sink in self.sinks.borrow().iter() {
      sink.release();
    }
  }
}
