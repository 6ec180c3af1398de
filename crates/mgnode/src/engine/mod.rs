//! The Mongoose thread: owns `mg_mgr`, parses requests, hands them to
//! JavaScript sinks, and applies the commands that come back.
//!
//! Everything in this module runs on that one thread; connections are known to
//! other threads only by id. This file has the loop, Mongoose's events and
//! the dispatch of commands; each command is carried out by the module that
//! owns its concern: [`intake`] reads and hands out requests, [`writing`]
//! writes responses, [`listeners`] opens and closes listeners, and
//! [`timeouts`] sweeps.

use std::cell::RefCell;
use std::collections::HashMap;
use std::os::raw::{c_int, c_void};
use std::rc::Rc;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

#[cfg(test)]
mod build_fixes_test;
pub mod connection;
pub mod file_sender;
mod intake;
pub mod listeners;
pub mod mg_conn;
pub mod outbox;
pub mod payload;
mod timeouts;
mod writing;

use crossbeam_channel::Receiver;
use mongoose_sys as sys;

use crate::bridge::command::Command;
use crate::bridge::loop_handle::{BellReceiver, LoopHandle};
use crate::bridge::request_sink::{Peer, RequestSink};
use crate::engine::connection::Connection;
use crate::engine::listeners::Listener;
use crate::engine::mg_conn::MgConn;
use crate::tls;

/// Below this many unsent bytes a connection counts as drained.
const LOW_WATER: usize = 64 * 1024;
/// How often timeouts are checked.
const SWEEP_EVERY: Duration = Duration::from_millis(100);
/// How long a request may wait for a worker to attach before it gets 503.
const PARK_LIMIT: Duration = Duration::from_secs(10);
/// Longest sleep in `mg_mgr_poll`; bounds the delay a lost doorbell can cause.
const POLL_MS: c_int = 50;

pub struct Engine {
  handle: Arc<LoopHandle>,
  rx: Receiver<Command>,
  listeners: HashMap<u64, Rc<Listener>>,
  /// Who waits for a listener's socket to be closed, by listener id.
  listener_close_waiters: HashMap<u64, Vec<crossbeam_channel::Sender<()>>>,
  conns: HashMap<u64, Connection>,
  to_ring: Vec<Arc<RequestSink>>,
  /// Connections written to in this pass, flushed once commands are applied.
  to_flush: Vec<u64>,
  /// Connections with bytes in their outbox, flushed after every poll.
  out_watch: Vec<u64>,
  /// Connections sending a file body.
  file_watch: Vec<u64>,
  drain_watch: Vec<u64>,
  /// Upgraded connections waiting for their bytes to leave before shutting their sending side.
  shutdown_watch: Vec<u64>,
  /// Connections whose buffered bytes are to be parsed once commands are applied
  /// (a response ended, or JavaScript read what it held).
  to_parse: Vec<u64>,
  shutdown_at: Option<Instant>,
  /// Listeners whose accepting is paused for want of descriptors.
  accept_paused: usize,
  last_sweep: Instant,
  /// Freed connection buffers not yet handed back to the system, and when that was last done.
  released_buffers: bool,
  last_collect: Instant,
  now: Instant,
}

thread_local! {
  /// The engine of the Mongoose thread this is. Mongoose's C callbacks reach it here.
  static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

/// Body of the Mongoose thread. Returns when a shutdown has completed.
pub fn run(handle: Arc<LoopHandle>, rx: Receiver<Command>, ear: BellReceiver, ready: crossbeam_channel::Sender<bool>) {
  // Mongoose's own log is silent unless asked for (and compiled in, see mongoose-sys).
  let log_level = std::env::var("MGNODE_MONGOOSE_LOG_LEVEL").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
  // SAFETY: creating a manager has no preconditions; NULL is handled below.
  let mgr = unsafe { sys::mgn_mgr_new(log_level) };
  if mgr.is_null() {
    let _ = ready.send(false);
    return;
  }
  // SAFETY: `mgr` is live; Mongoose takes ownership of the descriptor.
  if !unsafe { sys::mgn_add_doorbell(mgr, ear.into_raw()) } {
    // SAFETY: nothing else refers to `mgr` yet.
    unsafe { sys::mgn_mgr_free(mgr) };
    let _ = ready.send(false);
    return;
  }
  let now = Instant::now();
  ENGINE.with(|e| {
    *e.borrow_mut() = Some(Engine {
      handle: handle.clone(),
      rx,
      listeners: HashMap::new(),
      listener_close_waiters: HashMap::new(),
      conns: HashMap::new(),
      to_ring: Vec::new(),
      to_flush: Vec::new(),
      out_watch: Vec::new(),
      file_watch: Vec::new(),
      drain_watch: Vec::new(),
      shutdown_watch: Vec::new(),
      to_parse: Vec::new(),
      shutdown_at: None,
      accept_paused: 0,
      last_sweep: now,
      released_buffers: false,
      last_collect: now,
      now,
    })
  });
  let _ = ready.send(true);
  loop {
    let timeout = if handle.may_sleep() { POLL_MS } else { 0 };
    tls::budget::new_pass();
    // SAFETY: `mgr` is live until `mgn_mgr_free` below, and this is its thread.
    unsafe { sys::mgn_poll(mgr, timeout) };
    let done = ENGINE.with(|e| e.borrow_mut().as_mut().map(|engine| engine.after_poll(mgr)).unwrap_or(true));
    if done {
      break;
    }
  }
  // Tear down: the engine goes first so Mongoose's close events find nothing to do.
  let engine = ENGINE.with(|e| e.borrow_mut().take());
  drop(engine);
  // SAFETY: no other reference to `mgr` remains; other threads only hold the
  // doorbell's sending socket, which outlives this harmlessly.
  unsafe { sys::mgn_mgr_free(mgr) };
}

/// The Mongoose events the engine acts on.
#[derive(Clone, Copy)]
enum Event {
  Accept,
  Read,
  /// The peer finished sending (read end of file), see `mgn_ev_peer_done`.
  PeerDone,
  /// A listener stopped accepting for want of descriptors, see `mgn_ev_accept_paused`.
  AcceptPaused,
  Close,
}

impl Event {
  /// `ev` as an event the engine handles, or `None` for the rest (MG_EV_POLL, ...).
  fn from_mongoose(ev: c_int) -> Option<Event> {
    static NUMBERS: OnceLock<[c_int; 5]> = OnceLock::new();
    // SAFETY: these shim functions only return constants.
    let [accept, read, peer_done, accept_paused, close] = *NUMBERS.get_or_init(|| unsafe {
      [
        sys::mgn_ev_accept(),
        sys::mgn_ev_read(),
        sys::mgn_ev_peer_done(),
        sys::mgn_ev_accept_paused(),
        sys::mgn_ev_close(),
      ]
    });
    match ev {
      _ if ev == read => Some(Event::Read),
      _ if ev == accept => Some(Event::Accept),
      _ if ev == peer_done => Some(Event::PeerDone),
      _ if ev == accept_paused => Some(Event::AcceptPaused),
      _ if ev == close => Some(Event::Close),
      _ => None,
    }
  }
}

/// Mongoose's event handler for listeners and their connections.
unsafe extern "C" fn on_event(c: *mut sys::mg_connection, ev: c_int, _ev_data: *mut c_void) {
  // Mongoose calls every connection it visits with MG_EV_POLL (and others the
  // engine ignores): those return before the engine is borrowed.
  let Some(event) = Event::from_mongoose(ev) else {
    return;
  };
  ENGINE.with(|e| {
    // The engine is never borrowed while Mongoose runs callbacks (only
    // `mgn_poll` and `mgn_mgr_free` invoke them), so this borrow succeeds.
    if let Ok(mut guard) = e.try_borrow_mut() {
      if let Some(engine) = guard.as_mut() {
        // SAFETY: Mongoose passes a live connection of this thread's manager.
        let conn = unsafe { MgConn::new(c) };
        engine.on_event(conn, event);
      }
    }
  });
}

impl Engine {
  fn on_event(&mut self, conn: MgConn, event: Event) {
    match event {
      Event::Read => self.process(conn.id()),
      Event::Accept => self.on_accept(conn),
      Event::PeerDone => self.on_peer_done(conn.id()),
      Event::AcceptPaused => self.accept_paused(conn.id()),
      Event::Close => self.on_close(conn.id()),
    }
  }

  fn on_accept(&mut self, conn: MgConn) {
    // SAFETY: the accepted connection inherited the listener's fn_data, which
    // is the listener id we stored there (an integer, not a pointer).
    let listener_id = unsafe { sys::mgn_conn_data(conn.as_ptr()) } as usize as u64;
    let Some(listener) = self.listeners.get(&listener_id).cloned() else {
      conn.close_now();
      return;
    };
    if self.shutdown_at.is_some() || listener.closed.get() {
      conn.close_now();
      return;
    }
    let tls = listener.config.tls.is_some();
    let peer = || {
      let (remote_address, remote_port) = conn.addr(true);
      let (local_address, local_port) = conn.addr(false);
      Peer { remote_address, remote_port, local_address, local_port, tls }
    };
    if !self.admit(&listener, peer) {
      // Over the connection limit: closed at once, as node:http does.
      conn.close_now();
      return;
    }
    if let Some(tls) = &listener.config.tls {
      // SAFETY: Mongoose passed this live connection to the accept event.
      unsafe { tls::attach(conn.as_ptr(), conn.id(), tls, &self.handle) };
    }
    let peer = Arc::new(peer());
    // Not self.now: that was taken before this poll, which may have waited,
    // and a stale start would let the keep-alive sweep close it too early.
    self.conns.insert(conn.id(), Connection::new(conn, listener, peer, Instant::now()));
  }

  fn on_close(&mut self, id: u64) {
    if let Some(c) = self.conns.remove(&id) {
      c.listener().connection_closed();
      // Its descriptor is free: a listener that ran out can accept again.
      self.resume_accepting(None);
      // The last connection of a closed listener takes the listener, and with
      // it its sinks' doorbells: ring now, or JavaScript never hears of it.
      // Held until rung: dropping a closed listener's last reference releases its sinks.
      let listener = c.listener().clone();
      if let Some(sink) = c.closed(id) {
        if listener.closed.get() {
          sink.ring();
        } else {
          self.to_ring.push(sink);
        }
      }
    } else if let Some(listener) = self.listeners.remove(&id) {
      if listener.accept_paused_at.take().is_some() {
        self.accept_paused -= 1;
      }
      for waiter in self.listener_close_waiters.remove(&id).unwrap_or_default() {
        let _ = waiter.send(());
      }
    }
  }

  /// Runs after every `mg_mgr_poll`: commands, drains, timeouts, rings.
  /// Returns true when the engine has shut down.
  fn after_poll(&mut self, mgr: *mut sys::mg_mgr) -> bool {
    self.now = Instant::now();
    self.handle.wake();
    while let Ok(cmd) = self.rx.try_recv() {
      self.apply(cmd, mgr);
    }
    self.pump_files();
    self.parse_pending();
    self.flush_writes();
    self.check_drains();
    self.check_shutdowns();
    if self.now.duration_since(self.last_sweep) >= SWEEP_EVERY {
      self.last_sweep = self.now;
      self.sweep();
      self.resume_accepting(Some(self.now));
      // Poll passes visit only connections with work; now and then all of
      // them, so a change of state Mongoose's pass missed is only late.
      // SAFETY: `mgr` is this thread's live manager (see `run`).
      unsafe { sys::mgn_visit_all(mgr) };
    }
    for sink in self.to_ring.drain(..) {
      sink.ring();
    }
    match self.shutdown_at {
      Some(deadline) => {
        if self.now >= deadline {
          for c in self.conns.values() {
            c.conn().close_now();
          }
        }
        if self.conns.is_empty() && self.listeners.is_empty() {
          return true;
        }
        // Listeners close on the next poll; make sure they do before we stop.
        false
      }
      None => false,
    }
  }

  /// Hands a command to the module that carries it out.
  fn apply(&mut self, cmd: Command, mgr: *mut sys::mg_mgr) {
    match cmd {
      Command::Write { conn, data, flags } => self.write(conn, data, flags),
      Command::WriteBatch(batch) => self.write_batch(&batch),
      Command::SendFile { conn, path, offset, length, flags } => self.send_file(conn, &path, offset, length, flags),
      Command::Abort { conn } => self.abort(conn),
      Command::Reset { conn } => self.reset(conn),
      Command::Ack { conn, bytes } => self.acknowledge(conn, bytes),
      Command::Listen { url, config, sink, reply } => {
        let _ = reply.send(self.listen(mgr, &url, *config, sink));
      }
      Command::AttachSink { listener, sink, reply } => {
        let _ = reply.send(self.attach_sink(listener, sink));
      }
      Command::DetachSink { listener, sink } => self.detach_sink(listener, sink),
      Command::SetTimeouts { listener, timeouts } => self.set_timeouts(listener, timeouts),
      Command::SetMaxConnections { listener, max } => self.set_max_connections(listener, max),
      Command::CloseIdle { listener } => self.close_idle(listener),
      Command::CloseListener { listener, linger, reply } => self.close_listener_then(listener, linger, reply),
      Command::Shutdown { grace_ms } => self.shutdown(grace_ms),
      Command::TlsHello { conn, done } => {
        let outcome = self.with_tls(conn, |c| unsafe { tls::hello_done(c, *done) });
        self.after_tls(conn, outcome);
      }
      Command::TlsChoose { conn, context, fail } => {
        let outcome = self.with_tls(conn, |c| unsafe { tls::chosen(c, context, fail) });
        self.after_tls(conn, outcome);
      }
      Command::TlsAddContext { listener, name, context } => {
        if let Some(tls) = self.listeners.get(&listener).and_then(|l| l.config.tls.as_ref()) {
          tls.add_context(&name, context);
        }
      }
    }
  }

  /// Runs `f` on a connection's Mongoose pointer if it is still open; a
  /// handshake result for a connection that closed meanwhile is dropped.
  fn with_tls(&mut self, id: u64, f: impl FnOnce(*mut sys::mg_connection) -> tls::Outcome) -> tls::Outcome {
    // SAFETY (for the callers' closures): the pointer is a live connection
    // of this thread's manager (it is in `conns` until its close event), and
    // no Mongoose hook is running between polls.
    self.conns.get(&id).map(|c| f(c.conn().as_ptr())).unwrap_or_default()
  }

  /// Acts on what carrying on a handshake produced.
  fn after_tls(&mut self, id: u64, outcome: tls::Outcome) {
    if outcome.read {
      self.process(id);
    }
    if outcome.peer_done {
      self.on_peer_done(id);
    }
  }

  /// Stops accepting, and lets in-flight responses finish for `grace_ms`.
  fn shutdown(&mut self, grace_ms: u64) {
    let ids: Vec<u64> = self.listeners.keys().copied().collect();
    for id in ids {
      self.close_listener(id, false);
    }
    let deadline = self.now + Duration::from_millis(grace_ms);
    self.shutdown_at = Some(self.shutdown_at.map_or(deadline, |d| d.min(deadline)));
    for (id, c) in self.conns.iter_mut() {
      if c.wind_down() {
        self.to_flush.push(*id);
      }
    }
  }
}

impl Drop for Engine {
  fn drop(&mut self) {
    // Anything still with JS learns its connection is gone.
    for (id, c) in self.conns.drain() {
      if let Some(sink) = c.closed(id) {
        sink.ring();
      }
    }
    self.listeners.clear();
  }
}
