//! Where a handshake's first flight runs. The Mongoose thread serves every
//! connection, so a handshake that runs there holds all of them up for as
//! long as it takes. It runs there only when it is cheap (ECDSA P-256 and
//! Ed25519 keys: 0.1 to 0.25 ms here) and while this poll pass has not spent
//! its budget on handshakes already; otherwise (RSA and P-384 signatures
//! take milliseconds with ring, or a flood of new clients) it goes to the
//! handshake pool. The costs per key type are measured by
//! `handshake_test.rs` (bench/README.md has the figures).
//!
//! `MGNODE_TLS_HANDSHAKES=inline|pool` forces one place (for measuring).

use std::cell::Cell;
use std::sync::OnceLock;
use std::time::Duration;

/// A first flight expected to take longer than this leaves the Mongoose thread.
const INLINE_MAX: Duration = Duration::from_micros(400);
/// Handshake work one poll pass may do on the Mongoose thread.
const PASS_BUDGET: Duration = Duration::from_micros(500);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Policy {
  Auto,
  Inline,
  Pool,
}

fn policy() -> Policy {
  static POLICY: OnceLock<Policy> = OnceLock::new();
  *POLICY.get_or_init(|| match std::env::var("MGNODE_TLS_HANDSHAKES").as_deref() {
    Ok("inline") => Policy::Inline,
    Ok("pool") => Policy::Pool,
    _ => Policy::Auto,
  })
}

thread_local! {
  /// Handshake work done on this (Mongoose) thread in the current pass.
  static SPENT: Cell<Duration> = const { Cell::new(Duration::ZERO) };
}

/// A new poll pass begins (the engine calls this before each poll).
pub fn new_pass() {
  SPENT.with(|s| s.set(Duration::ZERO));
}

/// True if a first flight expected to take `cost` may run here now.
pub fn may_run_inline(cost: Duration) -> bool {
  match policy() {
    Policy::Inline => true,
    Policy::Pool => false,
    Policy::Auto => cost <= INLINE_MAX && SPENT.with(|s| s.get()) + cost <= PASS_BUDGET,
  }
}

/// Counts handshake work done on this thread.
pub fn spent(took: Duration) {
  SPENT.with(|s| s.set(s.get() + took));
}
