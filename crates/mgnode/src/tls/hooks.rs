//! The `mg_tls_*` functions Mongoose calls (it is built with
//! `MG_TLS=MG_TLS_CUSTOM`), on rustls. Each finds the connection's
//! [`TlsConn`] behind `c->tls` and lets it do the work. They run on the
//! Mongoose thread, inside `mg_mgr_poll`.

use std::os::raw::{c_long, c_void};

use mongoose_sys as sys;

use super::conn::TlsConn;
use super::wire::{io_codes, Wire};

/// The connection's TLS state, or `None` on a plain connection.
///
/// # Safety
/// `c` must be a live connection Mongoose passed to a hook, and no other
/// reference to its state may be alive.
unsafe fn state<'a>(c: *mut sys::mg_connection) -> Option<(Wire, &'a mut TlsConn)> {
  // SAFETY: per this function's contract.
  let wire = unsafe { Wire::new(c) };
  let ptr = wire.state() as *mut TlsConn;
  // SAFETY: `c->tls` is null or the Box that `attach` leaked, until `mg_tls_free`.
  unsafe { ptr.as_mut() }.map(|tls| (wire, tls))
}

/// Mongoose's own TLS clients and servers (OTA, `mg_http_connect`) are not
/// used by mgnode, which attaches TLS itself (`tls::attach`): refuse.
#[no_mangle]
pub extern "C" fn mg_tls_init(c: *mut sys::mg_connection, _opts: *const c_void) {
  // SAFETY: Mongoose passes a live connection.
  unsafe { Wire::new(c) }.close();
}

#[no_mangle]
pub extern "C" fn mg_tls_handshake(c: *mut sys::mg_connection) {
  // SAFETY: Mongoose passes a live connection; nothing else holds its state.
  if let Some((wire, tls)) = unsafe { state(c) } {
    tls.on_handshake_bytes(wire);
  }
}

#[no_mangle]
pub extern "C" fn mg_tls_recv(c: *mut sys::mg_connection, buf: *mut c_void, len: usize) -> c_long {
  let (wait, err) = io_codes();
  // SAFETY: as above.
  let Some((wire, tls)) = (unsafe { state(c) }) else { return err };
  let out: &mut [u8] = if buf.is_null() || len == 0 {
    &mut []
  } else {
    // SAFETY: Mongoose passes `len` writable bytes at `buf` (free space of c->recv).
    unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), len) }
  };
  match tls.read(wire, out) {
    Ok(0) => {
      if tls.end_to_tell() {
        // The state is not used past this point: the event may run anything.
        wire.emit_peer_done();
      }
      wait
    }
    Ok(n) => n as c_long,
    Err(()) => err,
  }
}

#[no_mangle]
pub extern "C" fn mg_tls_send(c: *mut sys::mg_connection, buf: *const c_void, len: usize) -> c_long {
  let (wait, err) = io_codes();
  // SAFETY: as above.
  let Some((wire, tls)) = (unsafe { state(c) }) else { return err };
  let data: &[u8] = if buf.is_null() || len == 0 {
    &[]
  } else {
    // SAFETY: Mongoose passes its send buffer: `len` readable bytes at `buf`.
    unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), len) }
  };
  match tls.send(wire, data) {
    Ok(Some(n)) => n as c_long,
    Ok(None) => wait,
    Err(()) => err,
  }
}

#[no_mangle]
pub extern "C" fn mg_tls_pending(c: *mut sys::mg_connection) -> usize {
  // SAFETY: as above (Mongoose asks this of every connection, plain ones too).
  match unsafe { state(c) } {
    Some((wire, tls)) => tls.pending(wire),
    None => 0,
  }
}

#[no_mangle]
pub extern "C" fn mg_tls_flush(c: *mut sys::mg_connection) {
  // SAFETY: as above.
  if let Some((wire, tls)) = unsafe { state(c) } {
    tls.flush(wire);
  }
}

#[no_mangle]
pub extern "C" fn mg_tls_free(c: *mut sys::mg_connection) {
  // SAFETY: Mongoose passes a live connection it is about to free.
  let wire = unsafe { Wire::new(c) };
  let ptr = wire.state() as *mut TlsConn;
  if !ptr.is_null() {
    wire.forget();
    // SAFETY: the Box leaked by `attach`, now forgotten by the connection.
    drop(unsafe { Box::from_raw(ptr) });
  }
}

/// The shim calls this instead of reporting the end of stream at once (see `mgn_peer_done`).
#[no_mangle]
pub extern "C" fn mgn_tls_transport_eof(c: *mut sys::mg_connection) {
  // SAFETY: as above.
  if let Some((wire, tls)) = unsafe { state(c) } {
    tls.transport_eof(wire);
  }
}

#[no_mangle]
pub extern "C" fn mg_tls_ctx_init(_mgr: *mut sys::mg_mgr) {}

#[no_mangle]
pub extern "C" fn mg_tls_ctx_free(_mgr: *mut sys::mg_mgr) {}
