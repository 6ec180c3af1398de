//! `MgConn`: a safe handle over a Mongoose connection pointer, valid on the
//! Mongoose thread between its accept and close events.

use std::io::IoSlice;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use mongoose_sys as sys;

/// A live Mongoose connection.
///
/// Only the engine creates these, on the Mongoose thread, from pointers that
/// Mongoose handed to the event handler; the engine forgets a `MgConn` in its
/// `MG_EV_CLOSE` handler, before Mongoose frees the connection. `MgConn` is not
/// `Send`, so it cannot leave that thread.
#[derive(Clone, Copy)]
pub struct MgConn(*mut sys::mg_connection);

impl MgConn {
  /// # Safety
  /// `ptr` must be a connection of a manager polled on this thread, and the
  /// `MgConn` must not be used after that connection's `MG_EV_CLOSE`.
  pub unsafe fn new(ptr: *mut sys::mg_connection) -> Self {
    MgConn(ptr)
  }

  pub fn as_ptr(self) -> *mut sys::mg_connection {
    self.0
  }

  pub fn id(self) -> u64 {
    // SAFETY (all methods below): `self.0` is live per `MgConn::new`'s contract.
    unsafe { sys::mgn_conn_id(self.0) }
  }

  /// The unconsumed receive buffer. The slice is invalidated by any other
  /// call on this connection, which the borrow of `self` cannot express, so
  /// callers copy what they need before sending or consuming.
  pub fn recv(&self) -> &[u8] {
    let mut len = 0usize;
    let ptr = unsafe { sys::mgn_recv_buf(self.0, &mut len) };
    if ptr.is_null() || len == 0 {
      return &[];
    }
    // SAFETY: Mongoose guarantees `len` initialised bytes at `ptr`.
    unsafe { std::slice::from_raw_parts(ptr, len) }
  }

  pub fn recv_len(self) -> usize {
    let mut len = 0usize;
    unsafe { sys::mgn_recv_buf(self.0, &mut len) };
    len
  }

  pub fn consume(self, n: usize) {
    unsafe { sys::mgn_recv_consume(self.0, n) }
  }

  pub fn send(self, data: &[u8]) -> bool {
    if data.is_empty() {
      return true;
    }
    unsafe { sys::mgn_send(self.0, data.as_ptr().cast(), data.len()) }
  }

  /// Writes buffered output now rather than on the next poll (plain TCP only).
  pub fn flush(self) {
    unsafe { sys::mgn_flush(self.0) }
  }

  /// Writes Mongoose's buffered bytes and then `parts` to a plain socket in
  /// one system call. Returns how many bytes of `parts` were written (0 when
  /// the socket is full or the connection is TLS or closing); `None` after an
  /// error, when the connection is closing.
  pub fn write_parts(self, parts: &[IoSlice<'_>]) -> Option<usize> {
    // SAFETY: `IoSlice` is guaranteed to have the layout of `struct iovec` on
    // Unix and of `WSABUF` on Windows, which the shim reads them as (at most
    // 16, the outbox's MAX_PARTS); every slice outlives the call, and the
    // shim only reads them during it.
    let n = unsafe { sys::mgn_write_parts(self.0, parts.as_ptr().cast(), parts.len()) };
    usize::try_from(n).ok()
  }

  pub fn is_tls(self) -> bool {
    unsafe { sys::mgn_conn_is_tls(self.0) }
  }

  pub fn send_len(self) -> usize {
    unsafe { sys::mgn_send_len(self.0) }
  }

  /// Frees the connection's buffers while they are empty (idle keep-alive);
  /// true if there were any to free.
  pub fn release_buffers(self) -> bool {
    unsafe { sys::mgn_release_buffers(self.0) }
  }

  pub fn set_paused(self, paused: bool) {
    unsafe { sys::mgn_set_paused(self.0, paused) }
  }

  pub fn close_after_flush(self) {
    unsafe { sys::mgn_close_after_flush(self.0) }
  }

  /// Shuts the sending side of the socket (TCP FIN); reading goes on.
  pub fn shutdown_write(self) {
    unsafe { sys::mgn_shutdown_write(self.0) }
  }

  pub fn close_now(self) {
    unsafe { sys::mgn_close_now(self.0) }
  }

  /// Closes at once with a TCP reset: unsent bytes are dropped, the peer sees ECONNRESET.
  pub fn reset_now(self) {
    unsafe { sys::mgn_reset_now(self.0) }
  }

  pub fn is_closing(self) -> bool {
    unsafe { sys::mgn_is_closing(self.0) }
  }

  /// `(address, port)` of the peer (`remote`) or of our side.
  pub fn addr(self, remote: bool) -> (String, u16) {
    let mut ip = [0u8; 16];
    let mut is_ip6 = false;
    let port = unsafe { sys::mgn_conn_addr(self.0, remote, ip.as_mut_ptr(), &mut is_ip6) };
    (format_ip(&ip, is_ip6), port)
  }
}

/// Formats an address the way Node reports `socket.remoteAddress`.
pub fn format_ip(ip: &[u8; 16], is_ip6: bool) -> String {
  let addr =
    if is_ip6 { IpAddr::V6(Ipv6Addr::from(*ip)) } else { IpAddr::V4(Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3])) };
  addr.to_string()
}

#[cfg(test)]
mod tests {
  use super::format_ip;

  #[test]
  fn formats_like_node() {
    let mut v4 = [0u8; 16];
    v4[..4].copy_from_slice(&[127, 0, 0, 1]);
    assert_eq!(format_ip(&v4, false), "127.0.0.1");
    let mut v6 = [0u8; 16];
    v6[15] = 1;
    assert_eq!(format_ip(&v6, true), "::1");
  }
}
