//! Listeners: a listening socket and the sinks its requests go to, and the
//! listener commands on the Mongoose thread (opening and closing listeners,
//! sinks attaching to and leaving them).

use std::cell::{Cell, RefCell};
use std::ffi::CString;
use std::os::raw::{c_int, c_void};
use std::rc::Rc;
use std::sync::Arc;

use mongoose_sys as sys;

use super::{on_event, Engine};
use crate::bridge::command::{Bound, ListenError, ListenerConfig, Timeouts};
use crate::bridge::request_sink::RequestSink;
use crate::engine::mg_conn::MgConn;

impl Engine {
  pub(super) fn listen(
    &mut self,
    mgr: *mut sys::mg_mgr,
    url: &str,
    config: ListenerConfig,
    sink: Option<Arc<RequestSink>>,
  ) -> Result<Bound, ListenError> {
    if self.shutdown_at.is_some() {
      return Err(ListenError { message: "manager is closing".into() });
    }
    let curl = CString::new(url).map_err(|_| ListenError { message: "URL contains a NUL byte".into() })?;
    // The listener id is not known before mg_listen returns, so the handler
    // data is patched right after; no event can fire in between.
    let mut err: c_int = 0;
    // SAFETY: `mgr` is this thread's live manager; `curl` outlives the call.
    let ptr = unsafe { sys::mgn_listen(mgr, curl.as_ptr(), on_event, std::ptr::null_mut(), &mut err) };
    if ptr.is_null() {
      let message = match err {
        98 => format!("listen EADDRINUSE: address already in use {url}"),
        13 => format!("listen EACCES: permission denied {url}"),
        99 => format!("listen EADDRNOTAVAIL: address not available {url}"),
        _ => format!("cannot listen on {url} (errno {err})"),
      };
      return Err(ListenError { message });
    }
    // SAFETY: `ptr` is the new, live listener connection of this thread.
    let conn = unsafe { MgConn::new(ptr) };
    let id = conn.id();
    // SAFETY: as above; fn_data carries the listener id as an integer.
    unsafe { sys::mgn_conn_set_data(ptr, id as usize as *mut c_void) };
    let (host, port) = conn.addr(false);
    self.listeners.insert(id, Rc::new(Listener::new(conn, config, sink)));
    Ok(Bound { id, host, port })
  }

  /// Stops accepting on a listener; its idle connections close, busy ones
  /// close once their response is done.
  pub(super) fn close_listener(&mut self, id: u64) {
    let Some(listener) = self.listeners.get(&id) else { return };
    if listener.closed.replace(true) {
      return;
    }
    listener.conn.close_now();
    for (id, c) in self.conns.iter_mut() {
      if Rc::ptr_eq(&c.listener, listener) {
        c.keep_alive = false;
        if !c.busy {
          c.refuse_parked();
          c.close_after_sent();
          self.to_flush.push(*id);
        }
      }
    }
  }

  /// Hands parked requests of a listener to its sinks, now that one attached.
  pub(super) fn dispatch_parked(&mut self, listener: u64) {
    let ids: Vec<u64> = self
      .conns
      .iter()
      .filter(|(_, c)| c.parked.is_some() && c.listener.conn.id() == listener)
      .map(|(id, _)| *id)
      .collect();
    for id in ids {
      let Some(c) = self.conns.get_mut(&id) else { continue };
      let Some(sink) = c.listener.sink_for(c.served_by.as_ref()) else { return };
      if let Some((request, _)) = c.parked.take() {
        c.dispatch(id, sink, request, &mut self.to_ring);
      }
    }
  }

  /// A sink's thread is gone: stop dispatching to it and answer what it held with 502.
  pub(super) fn detach_sink(&mut self, listener: u64, sink_id: u64) {
    let Some(l) = self.listeners.get(&listener).cloned() else { return };
    for sink in l.remove_sink(sink_id) {
      drop(sink.take());
      sink.release();
    }
    for (id, c) in self.conns.iter_mut() {
      if !matches!(&c.served_by, Some(s) if s.id() == sink_id) {
        continue;
      }
      c.served_by = None;
      if std::mem::take(&mut c.busy) {
        if c.unsent() == 0 && c.file.is_none() {
          c.refuse(502);
          self.to_flush.push(*id);
        } else {
          // Part of a response is already queued: a 502 after it would corrupt the stream.
          c.conn.close_now();
        }
      }
    }
  }
}

/// A listening socket, its settings, and the sinks (JavaScript threads) its requests go to.
pub struct Listener {
  pub conn: MgConn,
  pub config: ListenerConfig,
  /// Starts as `config.timeouts`; `SetTimeouts` changes it.
  pub timeouts: Cell<Timeouts>,
  pub sinks: RefCell<Vec<Arc<RequestSink>>>,
  /// Where the next tie-break starts.
  next_sink: Cell<usize>,
  pub closed: Cell<bool>,
}

impl Listener {
  pub fn new(conn: MgConn, config: ListenerConfig, sink: Option<Arc<RequestSink>>) -> Self {
    Listener {
      conn,
      timeouts: Cell::new(config.timeouts),
      config,
      sinks: RefCell::new(sink.into_iter().collect()),
      next_sink: Cell::new(0),
      closed: Cell::new(false),
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
