//! Listener commands on the Mongoose thread: opening and closing listeners,
//! and sinks (JavaScript threads) attaching to and leaving them.

use std::ffi::CString;
use std::os::raw::{c_int, c_void};
use std::rc::Rc;
use std::sync::Arc;

use mongoose_sys as sys;

use super::{on_event, Engine};
use crate::command::{Bound, ListenError, ListenerConfig};
use crate::conn::Conn;
use crate::listener::Listener;
use crate::sink::RequestSink;

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
    let conn = unsafe { Conn::new(ptr) };
    let id = conn.id();
    // SAFETY: as above; fn_data carries the listener id as an integer.
    unsafe { sys::mgn_conn_set_data(ptr, id as usize as *mut c_void) };
    let (host, port) = conn.addr(false);
    self.listeners.insert(id, Rc::new(Listener::new(conn, config, sink)));
    Ok(Bound { id, host, port })
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
      if !Rc::ptr_eq(&c.listener, listener) {
        continue;
      }
      if linger {
        // node:http's closeIdleConnections(): a connection in the middle of a
        // request head is not idle.
        if c.is_idle() {
          c.close_after_sent();
          self.to_flush.push(*id);
        }
      } else {
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
