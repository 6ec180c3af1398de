//! The Mongoose thread: owns `mg_mgr`, parses requests, hands them to
//! JavaScript sinks, and applies the commands that come back.
//!
//! Everything in this module runs on that one thread; connections are known to
//! other threads only by id.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::CString;
use std::os::raw::{c_int, c_void};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use mongoose_sys as sys;

use crate::command::{write_flags, Bound, Command, ListenError, ListenerConfig};
use crate::conn::Conn;
use crate::connection::Connection;
use crate::doorbell::{BellReceiver, LoopHandle};
use crate::file_body::{FileBody, QUEUE_LIMIT};
use crate::listener::Listener;
use crate::parser::Parsed;
use crate::payload::Payload;
use crate::response::{chunk_prefix, CONTINUE, LAST_CHUNK};
use crate::sink::{Peer, RequestSink, SinkEvent};

/// Below this many unsent bytes a connection counts as drained.
const LOW_WATER: usize = 64 * 1024;
/// While a request is with JS, stop reading once this much is buffered.
const PAUSE_AT: usize = 256 * 1024;
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
  shutdown_at: Option<Instant>,
  last_sweep: Instant,
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
  if !unsafe { sys::mgn_add_doorbell(mgr, ear.into_raw_fd()) } {
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
      shutdown_at: None,
      last_sweep: now,
      now,
    })
  });
  let _ = ready.send(true);
  loop {
    let timeout = if handle.may_sleep() { POLL_MS } else { 0 };
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

/// Mongoose's event handler for listeners and their connections.
unsafe extern "C" fn on_event(c: *mut sys::mg_connection, ev: c_int, _ev_data: *mut c_void) {
  ENGINE.with(|e| {
    // The engine is never borrowed while Mongoose runs callbacks (only
    // `mgn_poll` and `mgn_mgr_free` invoke them), so this borrow succeeds.
    if let Ok(mut guard) = e.try_borrow_mut() {
      if let Some(engine) = guard.as_mut() {
        // SAFETY: Mongoose passes a live connection of this thread's manager.
        let conn = unsafe { Conn::new(c) };
        engine.on_event(conn, ev);
      }
    }
  });
}

impl Engine {
  fn on_event(&mut self, conn: Conn, ev: c_int) {
    // SAFETY: these only return constants.
    let (accept, read, close) = unsafe { (sys::mgn_ev_accept(), sys::mgn_ev_read(), sys::mgn_ev_close()) };
    if ev == read {
      self.process(conn.id());
    } else if ev == accept {
      self.on_accept(conn);
    } else if ev == close {
      self.on_close(conn.id());
    }
  }

  fn on_accept(&mut self, conn: Conn) {
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
    if let Some((cert, key)) = &listener.config.tls {
      if !conn.tls_init(cert, key) {
        conn.close_now();
        return;
      }
    }
    let (remote_address, remote_port) = conn.addr(true);
    let (local_address, local_port) = conn.addr(false);
    let peer =
      Arc::new(Peer { remote_address, remote_port, local_address, local_port, tls: listener.config.tls.is_some() });
    // Not self.now: that was taken before this poll, which may have waited,
    // and a stale start would let the keep-alive sweep close it too early.
    self.conns.insert(conn.id(), Connection::new(conn, listener, peer, Instant::now()));
  }

  fn on_close(&mut self, id: u64) {
    if let Some(c) = self.conns.remove(&id) {
      if let Some(sink) = c.busy {
        sink.request_done();
        sink.push(SinkEvent::Closed { conn_id: id });
        self.to_ring.push(sink);
      }
    } else if self.listeners.remove(&id).is_some() {
      for waiter in self.listener_close_waiters.remove(&id).unwrap_or_default() {
        let _ = waiter.send(());
      }
    }
  }

  /// Parses whatever is buffered on a connection and dispatches complete requests.
  fn process(&mut self, id: u64) {
    let now = Instant::now();
    let shutting_down = self.shutdown_at.is_some();
    let Some(c) = self.conns.get_mut(&id) else { return };
    loop {
      let conn = c.conn;
      if conn.is_closing() {
        return;
      }
      if c.busy.is_some() || c.parked.is_some() {
        // One request at a time per connection: pipelined ones wait in the buffer.
        if !c.paused && conn.recv_len() >= PAUSE_AT {
          conn.set_paused(true);
          c.paused = true;
        }
        return;
      }
      let buf = conn.recv();
      if buf.is_empty() {
        return;
      }
      c.request_started.get_or_insert(now);
      let (used, outcome) = c.parser.feed(buf, &c.listener.config.limits);
      conn.consume(used);
      match outcome {
        Parsed::More => {
          if used == 0 {
            return;
          }
        }
        Parsed::SendContinue => {
          c.queue_copy(CONTINUE);
        }
        Parsed::Request(request) => {
          c.request_started = None;
          c.keep_alive = request.head.keep_alive && !shutting_down;
          match c.listener.pick_sink() {
            Some(sink) => {
              sink.push(SinkEvent::Request { conn_id: id, peer: c.peer.clone(), request });
              c.busy = Some(sink.clone());
              self.to_ring.push(sink);
            }
            None => c.parked = Some((request, now)),
          }
        }
        Parsed::Reject(status) => {
          conn.consume(usize::MAX);
          c.refuse(status);
          self.to_flush.push(id);
          return;
        }
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
    self.flush_writes();
    self.check_drains();
    if self.now.duration_since(self.last_sweep) >= SWEEP_EVERY {
      self.last_sweep = self.now;
      self.sweep();
    }
    for sink in self.to_ring.drain(..) {
      sink.ring();
    }
    match self.shutdown_at {
      Some(deadline) => {
        if self.now >= deadline {
          for c in self.conns.values() {
            c.conn.close_now();
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

  fn apply(&mut self, cmd: Command, mgr: *mut sys::mg_mgr) {
    match cmd {
      Command::Write { conn, data, flags } => self.write(conn, data, flags),
      Command::SendFile { conn, path, offset, length, flags } => self.send_file(conn, &path, offset, length, flags),
      Command::Abort { conn } => {
        if let Some(c) = self.conns.get(&conn) {
          c.conn.close_now();
        }
      }
      Command::Listen { url, config, sink, reply } => {
        let _ = reply.send(self.listen(mgr, &url, *config, sink));
      }
      Command::AttachSink { listener, sink, reply } => {
        let attached = match self.listeners.get(&listener) {
          Some(l) if !l.closed.get() => {
            l.sinks.borrow_mut().push(sink);
            true
          }
          _ => false,
        };
        let _ = reply.send(attached);
        if attached {
          self.dispatch_parked(listener);
        }
      }
      Command::DetachSink { listener, sink } => self.detach_sink(listener, sink),
      Command::SetTimeouts { listener, timeouts } => {
        if let Some(l) = self.listeners.get(&listener) {
          l.timeouts.set(timeouts);
        }
      }
      Command::CloseIdle { listener } => {
        for c in self.conns.values_mut() {
          if c.is_idle() && c.listener.conn.id() == listener {
            c.close_after_sent();
          }
        }
      }
      Command::CloseListener { listener, reply } => {
        if self.listeners.contains_key(&listener) {
          // Answered from `on_close`, once the socket is really closed.
          self.listener_close_waiters.entry(listener).or_default().push(reply);
          self.close_listener(listener);
        } else {
          let _ = reply.send(());
        }
      }
      Command::Shutdown { grace_ms } => {
        let ids: Vec<u64> = self.listeners.keys().copied().collect();
        for id in ids {
          self.close_listener(id);
        }
        let deadline = self.now + Duration::from_millis(grace_ms);
        self.shutdown_at = Some(self.shutdown_at.map_or(deadline, |d| d.min(deadline)));
        for (id, c) in self.conns.iter_mut() {
          c.keep_alive = false;
          if c.busy.is_none() {
            c.refuse_parked();
            c.close_after_sent();
            self.to_flush.push(*id);
          }
        }
      }
    }
  }

  fn listen(
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
    let conn = unsafe { Conn::new(ptr) };
    let id = conn.id();
    // SAFETY: as above; fn_data carries the listener id as an integer.
    unsafe { sys::mgn_conn_set_data(ptr, id as usize as *mut c_void) };
    let (host, port) = conn.addr(false);
    self.listeners.insert(id, Rc::new(Listener::new(conn, config, sink)));
    Ok(Bound { id, host, port })
  }

  /// Stops accepting on a listener; its idle connections close, busy ones
  /// close once their response is done.
  fn close_listener(&mut self, id: u64) {
    let Some(listener) = self.listeners.get(&id) else { return };
    if listener.closed.replace(true) {
      return;
    }
    listener.conn.close_now();
    for (id, c) in self.conns.iter_mut() {
      if Rc::ptr_eq(&c.listener, listener) {
        c.keep_alive = false;
        if c.busy.is_none() {
          c.refuse_parked();
          c.close_after_sent();
          self.to_flush.push(*id);
        }
      }
    }
  }

  /// Hands parked requests of a listener to its sinks, now that one attached.
  fn dispatch_parked(&mut self, listener: u64) {
    let ids: Vec<u64> = self
      .conns
      .iter()
      .filter(|(_, c)| c.parked.is_some() && c.listener.conn.id() == listener)
      .map(|(id, _)| *id)
      .collect();
    for id in ids {
      let Some(c) = self.conns.get_mut(&id) else { continue };
      let Some(sink) = c.listener.pick_sink() else { return };
      if let Some((request, _)) = c.parked.take() {
        sink.push(SinkEvent::Request { conn_id: id, peer: c.peer.clone(), request });
        c.busy = Some(sink.clone());
        self.to_ring.push(sink);
      }
    }
  }

  /// A sink's thread is gone: stop dispatching to it and answer what it held with 502.
  fn detach_sink(&mut self, listener: u64, sink_id: u64) {
    let Some(l) = self.listeners.get(&listener).cloned() else { return };
    for sink in l.remove_sink(sink_id) {
      drop(sink.take());
      sink.release();
    }
    for (id, c) in self.conns.iter_mut() {
      if c.busy.as_ref().is_some_and(|s| s.id() == sink_id) {
        c.busy = None;
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

  fn write(&mut self, id: u64, data: Payload, flags: u32) {
    let Some(c) = self.conns.get_mut(&id) else { return };
    if c.busy.is_none() {
      // A response for a request that already ended (or a closed connection).
      return;
    }
    if flags & write_flags::CHUNKED != 0 {
      if !data.is_empty() {
        c.queue_copy(chunk_prefix(data.len()).as_bytes());
        c.queue(data);
        c.queue_copy(b"\r\n");
      }
      if flags & write_flags::END != 0 {
        c.queue_copy(LAST_CHUNK);
      }
    } else {
      c.queue(data);
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
  fn flush_writes(&mut self) {
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
  fn end_response(&mut self, id: u64, close: bool) {
    let Some(c) = self.conns.get_mut(&id) else { return };
    let conn = c.conn;
    if let Some(sink) = c.busy.take() {
      sink.request_done();
    }
    c.want_drain = false;
    c.idle_since = Instant::now();
    if close || !c.keep_alive || c.listener.closed.get() {
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
  fn send_file(&mut self, id: u64, path: &str, offset: u64, length: u64, flags: u32) {
    let Some(c) = self.conns.get_mut(&id) else { return };
    if c.busy.is_none() || c.file.is_some() {
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
  fn pump_files(&mut self) {
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
  fn check_drains(&mut self) {
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
      if let Some(sink) = &c.busy {
        sink.push(SinkEvent::Drain { conn_id: *id });
        to_ring.push(sink.clone());
      }
      false
    });
  }

  /// Timeouts: slow request heads and bodies, idle keep-alive, stalled readers.
  fn sweep(&mut self) {
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
      if conn.is_closing() || c.busy.is_some() {
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
        let limit = if c.parser.at_request_start() { timeouts.headers_ms } else { timeouts.request_ms };
        if limit > 0 && now.duration_since(started) > Duration::from_millis(limit) {
          conn.consume(usize::MAX);
          c.refuse(408);
        }
      } else if timeouts.keep_alive_ms > 0
        && now.duration_since(c.idle_since) > Duration::from_millis(timeouts.keep_alive_ms)
      {
        conn.close_now();
      }
    }
  }
}

impl Drop for Engine {
  fn drop(&mut self) {
    // Anything still with JS learns its connection is gone.
    for (id, c) in self.conns.drain() {
      if let Some(sink) = c.busy {
        sink.request_done();
        sink.push(SinkEvent::Closed { conn_id: id });
        sink.ring();
      }
    }
    self.listeners.clear();
  }
}
