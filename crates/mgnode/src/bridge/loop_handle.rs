//! `LoopHandle`: how JavaScript threads reach the Mongoose thread.
//!
//! Commands travel over a crossbeam channel; one byte on a socket pair
//! ([`crate::platform::doorbell`]) only rings a doorbell so `mg_mgr_poll`
//! returns early. A ring is only sent when the loop may be asleep in poll:
//! while it is busy it drains the channel on its next pass anyway, and under
//! load it nearly always is, so most commands cost no system call at all.
//!
//! Mongoose's own `mg_wakeup` would work too, but it sends over a UDP pair on
//! 127.0.0.1 (the whole IP stack per ring, and datagrams are dropped under
//! load) and needs the manager's pointer on foreign threads. Our own pair
//! (a Unix datagram pair; loopback UDP only on Windows) is cheaper, is plain
//! safe Rust on the sending side, and stays valid however long a JavaScript
//! thread holds it. The loop still drains the channel after every poll, so
//! even a lost ring would only cost latency.

use std::io;
use std::sync::atomic::{AtomicU8, Ordering};

use crossbeam_channel::{Receiver, Sender};

use crate::bridge::command::Command;
pub use crate::platform::doorbell::BellReceiver;
use crate::platform::doorbell::{self, Bell};

/// The loop is between polls and will drain the channel before it sleeps.
const AWAKE: u8 = 0;
/// The loop is in (or about to enter) a poll that may wait: a sender must ring.
const SLEEPING: u8 = 1;
/// A command came since the loop last woke: it must not sleep before draining.
const SENT: u8 = 2;

pub struct LoopHandle {
  tx: Sender<Command>,
  /// `AWAKE`, `SLEEPING` or `SENT`; see [`LoopHandle::send`] and [`LoopHandle::may_sleep`].
  state: AtomicU8,
  bell: Bell,
}

impl LoopHandle {
  pub fn new() -> io::Result<(Self, Receiver<Command>, BellReceiver)> {
    let (bell, ear) = doorbell::pair()?;
    let (tx, rx) = crossbeam_channel::unbounded();
    Ok((LoopHandle { tx, state: AtomicU8::new(AWAKE), bell }, rx, ear))
  }

  /// Queues a command and rings the loop if it may be asleep.
  /// Returns false when the loop is gone.
  pub fn send(&self, cmd: Command) -> bool {
    if !self.queue(cmd) {
      return false;
    }
    self.ring();
    true
  }

  /// Queues a command without ringing; the caller owes a [`LoopHandle::ring`]
  /// (until then the loop finds it within one poll timeout at worst).
  pub fn queue(&self, cmd: Command) -> bool {
    self.tx.send(cmd).is_ok()
  }

  /// Rings the loop if it may be asleep. Call after queueing.
  pub fn ring(&self) {
    // After the command is queued: a loop that has not yet decided to sleep
    // sees `SENT` and polls without waiting; one that has is rung.
    if self.state.swap(SENT, Ordering::SeqCst) == SLEEPING {
      self.bell.ring();
    }
  }

  /// Loop side, right before polling: true if the poll may wait, false if
  /// a command came since [`LoopHandle::wake`] (it must not wait for a ring
  /// that was never sent).
  pub fn may_sleep(&self) -> bool {
    self.state.compare_exchange(AWAKE, SLEEPING, Ordering::SeqCst, Ordering::SeqCst).is_ok()
  }

  /// Loop side, right after polling and before draining the channel.
  pub fn wake(&self) {
    self.state.store(AWAKE, Ordering::SeqCst);
  }
}
