//! `LoopHandle`: how JavaScript threads reach the Mongoose thread.
//!
//! Commands travel over a crossbeam channel; `mg_wakeup` only rings a
//! doorbell so `mg_mgr_poll` returns early. Rings are coalesced: one datagram
//! until the loop has drained the channel. Mongoose's wakeup datagrams can be
//! lost under load, so the loop also drains after every poll, whatever woke it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crossbeam_channel::{Receiver, Sender};
use mongoose_sys as sys;

use crate::command::Command;

/// The manager pointer, kept only for `mgn_wakeup`.
struct MgrPtr(*mut sys::mg_mgr);

// SAFETY: the pointer is only passed to `mgn_wakeup`, which Mongoose allows
// from any thread (it only `send()`s on the wakeup socket). It is cleared under
// the mutex before the manager is freed, so no ring can race with the free.
unsafe impl Send for MgrPtr {}

pub struct LoopHandle {
  tx: Sender<Command>,
  /// Set by the first command after a drain; cleared by the loop before it drains.
  armed: AtomicBool,
  mgr: Mutex<Option<MgrPtr>>,
}

impl LoopHandle {
  pub fn new() -> (Self, Receiver<Command>) {
    let (tx, rx) = crossbeam_channel::unbounded();
    (LoopHandle { tx, armed: AtomicBool::new(false), mgr: Mutex::new(None) }, rx)
  }

  /// Called by the loop thread once the manager exists.
  pub fn attach(&self, mgr: *mut sys::mg_mgr) {
    if let Ok(mut m) = self.mgr.lock() {
      *m = Some(MgrPtr(mgr));
    }
  }

  /// Called by the loop thread before it frees the manager.
  pub fn detach(&self) {
    if let Ok(mut m) = self.mgr.lock() {
      *m = None;
    }
  }

  /// Queues a command and rings the loop if it has not been rung since its last drain.
  /// Returns false when the loop is gone.
  pub fn send(&self, cmd: Command) -> bool {
    if self.tx.send(cmd).is_err() {
      return false;
    }
    if !self.armed.swap(true, Ordering::AcqRel) {
      self.ring();
    }
    true
  }

  fn ring(&self) {
    if let Ok(m) = self.mgr.lock() {
      if let Some(MgrPtr(mgr)) = *m {
        // SAFETY: see `MgrPtr`; the manager is alive while it is in the mutex.
        unsafe { sys::mgn_wakeup(mgr) };
      }
    }
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
