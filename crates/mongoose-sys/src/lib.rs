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
  pub fn mgn_conn_tls_init(
    c: *mut mg_connection,
    cert: *const c_char,
    cert_len: usize,
    key: *const c_char,
    key_len: usize,
  ) -> c_int;

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
  pub fn mgn_is_closing(c: *const mg_connection) -> bool;
  pub fn mgn_shutdown_write(c: *mut mg_connection);
  pub fn mgn_release_buffers(c: *mut mg_connection) -> bool;
  pub fn mgn_alloc_collect();

  /// DER form of an ECDSA P-256 signature (`r ‖ s`); returns its length (≤ 72).
  /// Pure: any thread. Used by Mongoose's TLS through the build-time fix in build.rs.
  pub fn mgn_ecdsa_sig_der(sig: *const u8, out: *mut u8) -> usize;
}

#[cfg(test)]
mod ecdsa_der_tests {
  use super::mgn_ecdsa_sig_der;

  fn der(r: [u8; 32], s: [u8; 32]) -> Vec<u8> {
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&r);
    sig[32..].copy_from_slice(&s);
    let mut out = [0xEEu8; 72];
    // SAFETY: `sig` is 64 readable bytes and `out` 72 writable ones, as the C function requires.
    let n = unsafe { mgn_ecdsa_sig_der(sig.as_ptr(), out.as_mut_ptr()) };
    out[..n].to_vec()
  }

  fn filled(head: &[u8], rest: u8) -> [u8; 32] {
    let mut v = [rest; 32];
    v[..head.len()].copy_from_slice(head);
    v
  }

  #[test]
  fn plain_values_are_32_byte_integers() {
    let d = der(filled(&[0x12], 0x34), filled(&[0x56], 0x78));
    assert_eq!(d.len(), 2 + 34 + 34);
    assert_eq!(&d[..4], &[0x30, 68, 0x02, 32]);
    assert_eq!(d[4], 0x12);
    assert_eq!(&d[36..39], &[0x02, 32, 0x56]);
  }

  #[test]
  fn top_bit_gets_a_zero_byte_in_front() {
    let d = der(filled(&[0x80], 0x01), filled(&[0xff], 0x02));
    assert_eq!(&d[..5], &[0x30, 70, 0x02, 33, 0x00]);
    assert_eq!(d[5], 0x80);
    assert_eq!(&d[37..41], &[0x02, 33, 0x00, 0xff]);
    assert_eq!(d.len(), 72);
  }

  #[test]
  fn leading_zero_bytes_are_dropped() {
    // The case Mongoose got wrong: 0x00 0x7f… must be encoded as 31 bytes from 0x7f.
    let d = der(filled(&[0x00, 0x7f], 0x11), filled(&[0x00, 0x00, 0x80], 0x22));
    assert_eq!(&d[..5], &[0x30, 66, 0x02, 31, 0x7f]);
    // s: two zero bytes dropped, then 0x80 needs its positive-sign zero back.
    assert_eq!(&d[35..39], &[0x02, 31, 0x00, 0x80]);
    assert_eq!(d.len(), 2 + 33 + 33);
  }

  #[test]
  fn zero_is_one_zero_byte() {
    let d = der([0u8; 32], filled(&[0x01], 0x01));
    assert_eq!(&d[..5], &[0x30, 37, 0x02, 1, 0x00]);
    assert_eq!(&d[5..7], &[0x02, 32]);
  }
}

#[cfg(test)]
mod wipe_tests {
  extern "C" {
    /// Mongoose's own, which the build-time fix routes to `mgn_wipe`.
    fn mg_bzero(buf: *mut u8, len: usize);
  }

  #[test]
  fn mongoose_wipes_exactly_the_bytes_asked_for() {
    for len in [0usize, 1, 7, 64, 4096, 32768 + 3] {
      let mut buf = vec![0xA5u8; len + 32];
      // SAFETY: `buf` has len + 32 writable bytes; 16 from its start, len fit.
      unsafe { mg_bzero(buf.as_mut_ptr().add(16), len) };
      assert!(buf[..16].iter().all(|&b| b == 0xA5), "wrote before the range (len {len})");
      assert!(buf[16..16 + len].iter().all(|&b| b == 0), "left bytes in the range (len {len})");
      assert!(buf[16 + len..].iter().all(|&b| b == 0xA5), "wrote past the range (len {len})");
    }
  }
}
