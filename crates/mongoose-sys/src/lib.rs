//! Raw bindings to mgnode's C shim over Mongoose (`shim/shim.h`).
//!
//! The types are opaque: Rust never reads Mongoose's structs directly. All
//! functions must run on the thread that polls the manager.

#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_int, c_void};

/// Opaque `struct mg_mgr`.
#[repr(C)]
pub struct mg_mgr {
  _private: [u8; 0],
}

/// Opaque `struct mg_connection`.
#[repr(C)]
pub struct mg_connection {
  _private: [u8; 0],
}

pub type mgn_handler_t = unsafe extern "C" fn(c: *mut mg_connection, ev: c_int, ev_data: *mut c_void);

/// `mgn_listen`'s error for an address in use (`shim/os_socket.h`; the same on every system).
pub const MGN_LISTEN_EADDRINUSE: c_int = -2;
/// `mgn_listen`'s error for a port the process may not bind.
pub const MGN_LISTEN_EACCES: c_int = -3;
/// `mgn_listen`'s error for an address this machine does not have.
pub const MGN_LISTEN_EADDRNOTAVAIL: c_int = -4;

extern "C" {
  pub fn mgn_ev_accept() -> c_int;
  pub fn mgn_ev_read() -> c_int;
  pub fn mgn_ev_peer_done() -> c_int;
  pub fn mgn_ev_accept_paused() -> c_int;
  pub fn mgn_ev_close() -> c_int;

  pub fn mgn_mgr_new(log_level: c_int) -> *mut mg_mgr;
  pub fn mgn_mgr_free(mgr: *mut mg_mgr);
  pub fn mgn_poll(mgr: *mut mg_mgr, timeout_ms: c_int);
  pub fn mgn_visit_all(mgr: *mut mg_mgr);
  pub fn mgn_add_doorbell(mgr: *mut mg_mgr, fd: c_int) -> bool;

  pub fn mgn_listen(
    mgr: *mut mg_mgr,
    url: *const c_char,
    fn_: mgn_handler_t,
    fn_data: *mut c_void,
    err: *mut c_int,
  ) -> *mut mg_connection;

  pub fn mgn_conn_id(c: *const mg_connection) -> u64;
  pub fn mgn_conn_data(c: *const mg_connection) -> *mut c_void;
  pub fn mgn_conn_set_data(c: *mut mg_connection, data: *mut c_void);
  pub fn mgn_conn_addr(c: *const mg_connection, remote: bool, ip: *mut u8, is_ip6: *mut bool) -> u16;
  pub fn mgn_conn_is_tls(c: *const mg_connection) -> bool;

  pub fn mgn_recv_buf(c: *const mg_connection, len: *mut usize) -> *const u8;
  pub fn mgn_recv_consume(c: *mut mg_connection, n: usize);
  pub fn mgn_send(c: *mut mg_connection, buf: *const c_void, len: usize) -> bool;
  pub fn mgn_send_len(c: *const mg_connection) -> usize;
  pub fn mgn_flush(c: *mut mg_connection);
  /// `parts` points to `n` (at most 16) `std::io::IoSlice`s: the platform's
  /// gather element, `struct iovec` on Unix and `WSABUF` on Windows, which
  /// is what the shim reads them as on each.
  pub fn mgn_write_parts(c: *mut mg_connection, parts: *const c_void, n: usize) -> std::os::raw::c_long;

  pub fn mgn_set_paused(c: *mut mg_connection, paused: bool);
  pub fn mgn_close_after_flush(c: *mut mg_connection);
  pub fn mgn_close_now(c: *mut mg_connection);
  pub fn mgn_reset_now(c: *mut mg_connection);
  pub fn mgn_is_closing(c: *const mg_connection) -> bool;
  pub fn mgn_shutdown_write(c: *mut mg_connection);
  pub fn mgn_release_buffers(c: *mut mg_connection) -> bool;
  pub fn mgn_alloc_collect();

}

/// What mgnode's TLS reaches of a connection (`shim/tls.h`). Mongoose is
/// built with `MG_TLS=MG_TLS_CUSTOM`: the `mg_tls_*` hooks it calls, and
/// `mgn_tls_transport_eof`, are defined by the crate that links this one
/// (mgnode), so a binary linking Mongoose must link that crate too.
pub mod tls {
  use super::mg_connection;
  use std::os::raw::{c_int, c_long, c_void};

  extern "C" {
    pub fn mgn_tls_state(c: *const mg_connection) -> *mut c_void;
    pub fn mgn_tls_begin(c: *mut mg_connection, state: *mut c_void);
    pub fn mgn_tls_forget(c: *mut mg_connection);
    pub fn mgn_tls_established(c: *mut mg_connection);
    pub fn mgn_tls_incoming(c: *const mg_connection, len: *mut usize) -> *const u8;
    pub fn mgn_tls_took_all(c: *mut mg_connection);
    pub fn mgn_tls_sock_send(c: *mut mg_connection, buf: *const c_void, len: usize) -> c_long;
    pub fn mgn_tls_io_wait() -> c_int;
    pub fn mgn_tls_io_err() -> c_int;
    pub fn mgn_tls_paused(c: *const mg_connection) -> bool;
    pub fn mgn_tls_draining(c: *const mg_connection) -> bool;
    pub fn mgn_tls_mark(c: *mut mg_connection);
    pub fn mgn_tls_close(c: *mut mg_connection);
    pub fn mgn_tls_recv_space(c: *mut mg_connection, room: *mut usize) -> *mut u8;
    pub fn mgn_tls_recv_added(c: *mut mg_connection, n: usize);
    pub fn mgn_tls_emit_read(c: *mut mg_connection, n: c_long);
    pub fn mgn_tls_peer_done(c: *mut mg_connection);
  }
}
