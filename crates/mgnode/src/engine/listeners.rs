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
use crate::bridge::request_sink::{Dispatch, RequestSink};
use crate::engine::mg_conn::MgConn;
use crate::http::request_parser::Upgrades;

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
        sys::MGN_LISTEN_EADDRINUSE => format!("listen EADDRINUSE: address already in use {url}"),
        sys::MGN_LISTEN_EACCES => format!("listen EACCES: permission denied {url}"),
        sys::MGN_LISTEN_EADDRNOTAVAIL => format!("listen EADDRNOTAVAIL: address not available {url}"),
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

  /// Attaches a sink (a worker thread's) to a listener; parked requests go to it.
  pub(super) fn attach_sink(&mut self, listener: u64, sink: Arc<RequestSink>) -> bool {
    match self.listeners.get(&listener) {
      Some(l) if !l.closed.get() => l.sinks.borrow_mut().push(sink),
      _ => return false,
    }
    self.dispatch_parked(listener);
    true
  }

  pub(super) fn set_timeouts(&mut self, listener: u64, timeouts: Timeouts) {
    if let Some(l) = self.listeners.get(&listener) {
      l.timeouts.set(timeouts);
    }
  }

  /// Closes a listener's keep-alive connections that are between requests.
  pub(super) fn close_idle(&mut self, listener: u64) {
    for c in self.conns.values_mut() {
      if c.listener().conn.id() == listener {
        c.close_if_idle();
      }
    }
  }

  /// Closes a listener and answers `reply` once its socket is really closed (from `on_close`).
  pub(super) fn close_listener_then(&mut self, listener: u64, linger: bool, reply: crossbeam_channel::Sender<()>) {
    if self.listeners.contains_key(&listener) {
      self.listener_close_waiters.entry(listener).or_default().push(reply);
      self.close_listener(listener, linger);
    } else {
      let _ = reply.send(());
    }
  }

  /// Stops accepting on a listener; its idle connections close. Busy ones
  /// close once their response is done, or with `linger` go on serving
  /// keep-alive requests until the idle timeout closes them, as node:http's
  /// `server.close()` leaves them.
  pub(super) fn close_listener(&mut self, id: u64, linger: bool) {
    let Some(listener) = self.listeners.get(&id) else { return };
    if listener.closed.replace(true) {
      return;
    }
    listener.linger.set(linger);
    listener.conn.close_now();
    for (id, c) in self.conns.iter_mut() {
      if !Rc::ptr_eq(c.listener(), listener) {
        continue;
      }
      // node:http's closeIdleConnections(): a connection in the middle of a
      // request head is not idle.
      let closing = if linger { c.close_if_idle() } else { c.wind_down() };
      if closing {
        self.to_flush.push(*id);
      }
    }
  }

  /// Hands parked requests of a listener to its sinks, now that one attached.
  fn dispatch_parked(&mut self, listener: u64) {
    let ids: Vec<u64> = self
      .conns
      .iter()
      .filter(|(_, c)| c.is_parked() && c.listener().conn.id() == listener)
      .map(|(id, _)| *id)
      .collect();
    for id in ids {
      let Some(c) = self.conns.get_mut(&id) else { continue };
      let Some(sink) = c.next_sink() else { return };
      if let Some(request) = c.unpark() {
        c.dispatch(id, sink, request, Dispatch::Whole, &mut self.to_ring);
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
      if c.served_by_sink(sink_id) {
        c.lost_sink();
        self.to_flush.push(*id);
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
  /// Closed the way node:http's `close()` closes: connections busy at the
  /// time stay open as keep-alive connections until they are idle too long.
  pub linger: Cell<bool>,
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
      linger: Cell::new(false),
    }
  }

  /// Closed so that its connections end keep-alive (not lingering).
  pub fn ends_keep_alive(&self) -> bool {
    self.closed.get() && !self.linger.get()
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

  /// Which upgrades leave HTTP for a connection's next request: as its last
  /// sink says while attached, else as any says (every thread runs the same
  /// app). Unlike `sink_for`, it picks nothing, so the turn order of ties stays.
  pub fn upgrades(&self, last: Option<&Arc<RequestSink>>) -> Upgrades {
    let sinks = self.sinks.borrow();
    let sink = last.filter(|last| sinks.iter().any(|s| Arc::ptr_eq(s, last))).or(sinks.first());
    sink.map(|s| s.upgrades()).unwrap_or_default()
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
