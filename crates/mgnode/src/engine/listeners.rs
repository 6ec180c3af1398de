//! Listeners: a listening socket and the sinks its requests go to, and the
//! listener commands on the Mongoose thread (opening and closing listeners,
//! sinks attaching to and leaving them), with what limits accepting: the
//! connection limit, and pauses while the process is out of descriptors.

use std::cell::{Cell, RefCell};
use std::ffi::CString;
use std::os::raw::{c_int, c_void};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mongoose_sys as sys;

use super::{on_event, Engine};
use crate::bridge::command::{Bound, ListenError, ListenerConfig, Timeouts};
use crate::bridge::request_sink::{Dispatch, Peer, RequestSink, SinkEvent};
use crate::engine::mg_conn::MgConn;
use crate::http::request_parser::Hooks;

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
    self.listeners.insert(id, Rc::new(Listener::new(id, conn, config, sink)));
    Ok(Bound { id, host, port })
  }

  pub(super) fn set_max_connections(&mut self, listener: u64, max: usize) {
    if let Some(l) = self.listeners.get(&listener) {
      l.max_connections.set(max);
    }
  }

  /// A listener's accept failed for want of descriptors (or memory): Mongoose
  /// stopped watching it (see `mgn_accept_failed`), or its socket, readable
  /// all along, would wake every poll at once. It resumes when a connection
  /// closes or after [`ACCEPT_RETRY`]; clients wait in the backlog meanwhile.
  pub(super) fn accept_paused(&mut self, listener: u64) {
    if let Some(l) = self.listeners.get(&listener) {
      if l.accept_paused_at.replace(Some(self.now)).is_none() {
        self.accept_paused += 1;
      }
    }
  }

  /// Resumes accepting on paused listeners: all of them when a descriptor was
  /// freed (`now` is `None`), else those paused for [`ACCEPT_RETRY`]. One
  /// that is still out of descriptors pauses again at its next accept.
  pub(super) fn resume_accepting(&mut self, now: Option<Instant>) {
    if self.accept_paused == 0 {
      return;
    }
    for l in self.listeners.values() {
      let Some(since) = l.accept_paused_at.get() else { continue };
      if now.is_some_and(|now| now.duration_since(since) < ACCEPT_RETRY) {
        continue;
      }
      l.accept_paused_at.set(None);
      self.accept_paused -= 1;
      if !l.closed.get() {
        // A listener that is not closed has a live connection.
        l.conn.set_paused(false);
      }
    }
  }

  /// Counts a new connection of `listener`, or, at its limit, answers false
  /// after telling a sink (node:http's `'drop'` event).
  pub(super) fn admit(&mut self, listener: &Listener, peer: impl FnOnce() -> Peer) -> bool {
    let max = listener.max_connections.get();
    if listener.open.get() < max {
      listener.open.set(listener.open.get() + 1);
      return true;
    }
    if let Some(sink) = listener.pick_sink() {
      sink.push(SinkEvent::Dropped { peer: Arc::new(peer()) });
      self.to_ring.push(sink);
    }
    false
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
      if c.listener().id == listener {
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
    let ids: Vec<u64> =
      self.conns.iter().filter(|(_, c)| c.is_parked() && c.listener().id == listener).map(|(id, _)| *id).collect();
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

/// How long a listener out of descriptors waits before it tries to accept
/// again, unless a connection closes first (nginx waits 500 ms; a client
/// in the backlog should not wait long once descriptors are free).
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// A listening socket, its settings, and the sinks (JavaScript threads) its requests go to.
pub struct Listener {
  /// Its connection's id, also valid once that connection is gone.
  pub id: u64,
  /// Live until the listener closes (`closed`); only `id` is read after.
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
  /// Starts as `config.max_connections`; `SetMaxConnections` changes it.
  pub max_connections: Cell<usize>,
  /// Its connections that are open.
  pub open: Cell<usize>,
  /// Since when accepting is paused for want of descriptors.
  pub accept_paused_at: Cell<Option<Instant>>,
}

impl Listener {
  pub fn new(id: u64, conn: MgConn, config: ListenerConfig, sink: Option<Arc<RequestSink>>) -> Self {
    Listener {
      id,
      conn,
      max_connections: Cell::new(config.max_connections),
      open: Cell::new(0),
      accept_paused_at: Cell::new(None),
      timeouts: Cell::new(config.timeouts),
      config,
      sinks: RefCell::new(sink.into_iter().collect()),
      next_sink: Cell::new(0),
      closed: Cell::new(false),
      linger: Cell::new(false),
    }
  }

  /// One of its connections closed.
  pub fn connection_closed(&self) {
    self.open.set(self.open.get().saturating_sub(1));
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

  /// The server events the app of a connection's next request listens for: as its last
  /// sink says while attached, else as any says (every thread runs the same
  /// app). Unlike `sink_for`, it picks nothing, so the turn order of ties stays.
  pub fn hooks(&self, last: Option<&Arc<RequestSink>>) -> Hooks {
    let sinks = self.sinks.borrow();
    let sink = last.filter(|last| sinks.iter().any(|s| Arc::ptr_eq(s, last))).or(sinks.first());
    sink.map(|s| s.hooks()).unwrap_or_default()
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
