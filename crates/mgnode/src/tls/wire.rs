//! `Wire`: the TLS layer's handle on a Mongoose connection, over the
//! accessors of `shim/tls.c`. Valid on the Mongoose thread while the
//! connection lives (as `MgConn`).

use std::io;
use std::os::raw::c_long;
use std::sync::OnceLock;

use mongoose_sys as sys;
use sys::tls as shim;

#[derive(Clone, Copy)]
pub struct Wire(*mut sys::mg_connection);

/// Mongoose's `MG_IO_WAIT` and `MG_IO_ERR`.
pub fn io_codes() -> (c_long, c_long) {
  static CODES: OnceLock<(c_long, c_long)> = OnceLock::new();
  // SAFETY: these shim functions only return constants.
  *CODES.get_or_init(|| unsafe { (shim::mgn_tls_io_wait() as c_long, shim::mgn_tls_io_err() as c_long) })
}

// SAFETY (every method): `self.0` is a live connection of this thread's
// manager, per `Wire::new`'s contract.
impl Wire {
  /// # Safety
  /// `c` must be a live connection of a manager polled on this thread, and
  /// the `Wire` must not outlive it.
  pub unsafe fn new(c: *mut sys::mg_connection) -> Wire {
    Wire(c)
  }

  pub fn state(self) -> *mut std::os::raw::c_void {
    unsafe { shim::mgn_tls_state(self.0) }
  }

  pub fn begin(self, state: *mut std::os::raw::c_void) {
    unsafe { shim::mgn_tls_begin(self.0, state) }
  }

  pub fn forget(self) {
    unsafe { shim::mgn_tls_forget(self.0) }
  }

  pub fn established(self) {
    unsafe { shim::mgn_tls_established(self.0) }
  }

  /// Appends what Mongoose read from the socket to `inbox`, and empties its buffer.
  pub fn take_incoming(self, inbox: &mut Vec<u8>) {
    let mut len = 0usize;
    let ptr = unsafe { shim::mgn_tls_incoming(self.0, &mut len) };
    if ptr.is_null() || len == 0 {
      return;
    }
    // SAFETY: Mongoose guarantees `len` initialised bytes at `ptr`; copied before the buffer changes.
    inbox.extend_from_slice(unsafe { std::slice::from_raw_parts(ptr, len) });
    unsafe { shim::mgn_tls_took_all(self.0) }
  }

  pub fn paused(self) -> bool {
    unsafe { shim::mgn_tls_paused(self.0) }
  }

  pub fn draining(self) -> bool {
    unsafe { shim::mgn_tls_draining(self.0) }
  }

  pub fn mark(self) {
    unsafe { shim::mgn_tls_mark(self.0) }
  }

  pub fn close(self) {
    unsafe { shim::mgn_tls_close(self.0) }
  }

  /// Free space at the end of the receive buffer (grown when short).
  pub fn recv_space<'a>(self) -> &'a mut [u8] {
    let mut room = 0usize;
    let ptr = unsafe { shim::mgn_tls_recv_space(self.0, &mut room) };
    if ptr.is_null() || room == 0 {
      return &mut [];
    }
    // SAFETY: the shim returns `room` writable bytes, untouched until `recv_added`.
    unsafe { std::slice::from_raw_parts_mut(ptr, room) }
  }

  pub fn recv_added(self, n: usize) {
    unsafe { shim::mgn_tls_recv_added(self.0, n) }
  }

  /// MG_EV_READ for `n` new bytes. Only from inside Mongoose's poll.
  pub fn emit_read(self, n: usize) {
    unsafe { shim::mgn_tls_emit_read(self.0, n as c_long) }
  }

  /// The peer finished sending. Only from inside Mongoose's poll.
  pub fn emit_peer_done(self) {
    unsafe { shim::mgn_tls_peer_done(self.0) }
  }
}

thread_local! {
  /// Where the records of one `write_vectored` are put together.
  static GATHER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The socket as `io::Write`, for rustls's `write_tls`.
pub struct SocketWriter(pub Wire);

impl io::Write for SocketWriter {
  fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
    let (wait, _) = io_codes();
    // SAFETY: see `Wire`; `buf` outlives the call.
    let n = unsafe { shim::mgn_tls_sock_send(self.0 .0, buf.as_ptr().cast(), buf.len()) };
    if n > 0 {
      Ok(n as usize)
    } else if n == wait {
      Err(io::ErrorKind::WouldBlock.into())
    } else {
      Err(io::ErrorKind::ConnectionReset.into())
    }
  }

  /// rustls hands over a flight as several records: they go in one send
  /// (one system call, and with TCP_NODELAY one packet instead of several).
  fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
    const GATHER_MAX: usize = 32 * 1024;
    let total: usize = bufs.iter().map(|b| b.len()).sum();
    let first = bufs.iter().find(|b| !b.is_empty()).map_or(&[][..], |b| &b[..]);
    if total <= first.len() || total > GATHER_MAX {
      return self.write(first);
    }
    GATHER.with(|g| {
      let mut g = g.borrow_mut();
      g.clear();
      for b in bufs {
        g.extend_from_slice(b);
      }
      self.write(&g)
    })
  }

  fn flush(&mut self) -> io::Result<()> {
    Ok(())
  }
}
