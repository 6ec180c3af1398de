//! `LoopHandle`: how JavaScript threads reach the Mongoose thread.
//!
//! Commands travel over a crossbeam channel; a one-byte datagram on a Unix
//! socket pair only rings a doorbell so `mg_mgr_poll` returns early. Rings
//! are coalesced: one datagram until the loop has drained the channel.
//!
//! Mongoose's own `mg_wakeup` would work too, but it sends over a UDP pair on
//! 127.0.0.1 (the whole IP stack per ring, and datagrams are dropped under
//! load) and needs the manager's pointer on foreign threads. A Unix datagram
//! pair is cheaper, is plain safe Rust on the sending side, and stays valid
//! however long a JavaScript thread holds it. The loop still drains the
//! channel after every poll, so even a lost ring would only cost latency.

use std::io;
use std::os::fd::IntoRawFd;
use std::os::unix::net::UnixDatagram;
use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam_channel::{Receiver, Sender};

use crate::command::Command;

pub struct LoopHandle {
  tx: Sender<Command>,
  /// Set by the first command after a drain; cleared by the loop before it drains.
  armed: AtomicBool,
  bell: UnixDatagram,
}

/// The doorbell's receiving end, to be handed to Mongoose's poll set.
pub struct BellReceiver(UnixDatagram);

impl BellReceiver {
  /// Gives up ownership of the socket (Mongoose closes it with the manager).
  pub fn into_raw_fd(self) -> i32 {
    self.0.into_raw_fd()
  }
}

impl LoopHandle {
  pub fn new() -> io::Result<(Self, Receiver<Command>, BellReceiver)> {
    let (bell, ear) = UnixDatagram::pair()?;
    bell.set_nonblocking(true)?;
    ear.set_nonblocking(true)?;
    let (tx, rx) = crossbeam_channel::unbounded();
    Ok((LoopHandle { tx, armed: AtomicBool::new(false), bell }, rx, BellReceiver(ear)))
  }

  /// Queues a command and rings the loop if it has not been rung since its last drain.
  /// Returns false when the loop is gone.
  pub fn send(&self, cmd: Command) -> bool {
    if self.tx.send(cmd).is_err() {
      return false;
    }
    if !self.armed.swap(true, Ordering::AcqRel) {
      // A full socket buffer means rings are already pending; a closed peer
      // means the loop is gone. Neither needs handling.
      let _ = self.bell.send(&[1]);
    }
    true
  }

  /// Loop side: true if a command arrived since the last [`LoopHandle::disarm`].
  pub fn is_armed(&self) -> bool {
    self.armed.load(Ordering::Acquire)
  }

  /// Loop side: call right before draining the channel.
  pub fn disarm(&self) {
    self.armed.store(false, Ordering::Release);
  }
}
