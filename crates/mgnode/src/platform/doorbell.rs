//! The doorbell's sockets: a sending end any thread may ring, and a
//! receiving end in Mongoose's poll set, which only makes the poll return
//! (the shim discards what arrives). Non-blocking at both ends: a ring that
//! does not fit means rings are already pending.
//!
//! Unix: a Unix datagram pair, no IP stack involved. Windows: a pair of UDP
//! sockets on 127.0.0.1, connected to each other (as Mongoose's own
//! `mg_wakeup` does there; Rust's standard library has no Unix sockets on
//! Windows, and select/WSAPoll take sockets only, not pipes or events).

pub use imp::{pair, Bell, BellReceiver};

#[cfg(unix)]
mod imp {
  use std::io;
  use std::os::fd::IntoRawFd;
  use std::os::raw::c_int;
  use std::os::unix::net::UnixDatagram;

  /// The sending end.
  pub struct Bell(UnixDatagram);

  /// The receiving end, until Mongoose takes it.
  pub struct BellReceiver(UnixDatagram);

  pub fn pair() -> io::Result<(Bell, BellReceiver)> {
    let (bell, ear) = UnixDatagram::pair()?;
    bell.set_nonblocking(true)?;
    ear.set_nonblocking(true)?;
    Ok((Bell(bell), BellReceiver(ear)))
  }

  impl Bell {
    /// Sends one byte. A full buffer (rings pending) or a closed peer (the
    /// loop is gone) need no handling.
    pub fn ring(&self) {
      let _ = self.0.send(&[1]);
    }
  }

  impl BellReceiver {
    /// Gives up ownership of the socket (Mongoose closes it with the manager).
    pub fn into_raw(self) -> c_int {
      self.0.into_raw_fd()
    }
  }
}

#[cfg(windows)]
mod imp {
  use std::io;
  use std::net::{Ipv4Addr, UdpSocket};
  use std::os::raw::c_int;
  use std::os::windows::io::{AsRawSocket, IntoRawSocket};

  /// The sending end.
  pub struct Bell(UdpSocket);

  /// The receiving end, until Mongoose takes it, with its handle as Mongoose
  /// takes one (an int: `mg_wrapfd`).
  pub struct BellReceiver(UdpSocket, c_int);

  pub fn pair() -> io::Result<(Bell, BellReceiver)> {
    let bell = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))?;
    let ear = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))?;
    // Connected both ways: the ear takes datagrams from the bell only.
    bell.connect(ear.local_addr()?)?;
    ear.connect(bell.local_addr()?)?;
    bell.set_nonblocking(true)?;
    ear.set_nonblocking(true)?;
    // Windows documents socket handles as fitting in 32 bits; checked anyway.
    let raw = c_int::try_from(ear.as_raw_socket())
      .map_err(|_| io::Error::new(io::ErrorKind::Unsupported, "doorbell socket handle does not fit in an int"))?;
    Ok((Bell(bell), BellReceiver(ear, raw)))
  }

  impl Bell {
    /// Sends one byte. A full buffer (rings pending) or a refused datagram
    /// (the loop is gone) need no handling.
    pub fn ring(&self) {
      let _ = self.0.send(&[1]);
    }
  }

  impl BellReceiver {
    /// Gives up ownership of the socket (Mongoose closes it with the manager).
    pub fn into_raw(self) -> c_int {
      let _ = self.0.into_raw_socket();
      self.1
    }
  }
}
