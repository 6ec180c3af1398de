//! TLS for `https://` listeners: rustls behind Mongoose's custom TLS hooks.
//!
//! Mongoose is built with `MG_TLS=MG_TLS_CUSTOM` and calls the `mg_tls_*`
//! functions of [`hooks`] to handshake, decrypt what it read and encrypt what
//! it sends; they reach the connection only through the accessors of
//! `shim/tls.c`. The engine attaches TLS to each connection a TLS listener
//! accepts ([`attach`]) and carries on handshakes finished in the pool
//! ([`offload`]) or waiting for JavaScript's `SNICallback`.
//!
//! The crypto provider is *ring*: it builds with the `cc` crate alone on every
//! target mgnode ships (glibc and musl Linux, macOS, Windows MSVC and GNU, x64
//! and arm64), where aws-lc-rs needs CMake, and NASM on Windows, on the build
//! machine. It signs with RSA (2048 to 8192 bits), ECDSA P-256/P-384 and
//! Ed25519 keys, and offers X25519, P-256 and P-384 key exchange.

pub mod budget;
mod client_auth;
mod conn;
pub mod context;
#[cfg(test)]
mod handshake_test;
mod hooks;
mod key_choice;
pub mod listener;
pub mod offload;
pub mod sessions;
mod wire;

use std::sync::Arc;

use mongoose_sys as sys;

pub use conn::Outcome;
use conn::TlsConn;
use context::Context;
use listener::ListenerTls;
use offload::HelloDone;
use wire::Wire;

use crate::bridge::loop_handle::LoopHandle;

/// Makes a just-accepted connection a TLS one (call in `MG_EV_ACCEPT`).
///
/// # Safety
/// `c` must be a live connection of the manager polled on this thread.
pub unsafe fn attach(c: *mut sys::mg_connection, conn_id: u64, listener: &Arc<ListenerTls>, handle: &Arc<LoopHandle>) {
  // SAFETY: per this function's contract.
  let wire = unsafe { Wire::new(c) };
  let state = Box::new(TlsConn::new(listener.clone(), handle.clone(), conn_id));
  // Freed by `mg_tls_free` when Mongoose closes the connection.
  wire.begin(Box::into_raw(state).cast());
}

/// Runs `f` on the connection's TLS state, if it has one.
///
/// # Safety
/// `c` must be a live connection of the manager polled on this thread, and
/// this must not run inside a Mongoose hook for the same connection.
unsafe fn with_state(c: *mut sys::mg_connection, f: impl FnOnce(Wire, &mut TlsConn) -> Outcome) -> Outcome {
  // SAFETY: per this function's contract.
  let wire = unsafe { Wire::new(c) };
  let ptr = wire.state() as *mut TlsConn;
  // SAFETY: null or the live Box from `attach`; no other reference exists now.
  match unsafe { ptr.as_mut() } {
    Some(tls) => f(wire, tls),
    None => Outcome::default(),
  }
}

/// The pool made a connection's first flight (engine thread, between polls).
///
/// # Safety
/// As [`with_state`].
pub unsafe fn hello_done(c: *mut sys::mg_connection, done: HelloDone) -> Outcome {
  // SAFETY: per this function's contract.
  unsafe { with_state(c, |wire, tls| tls.hello_done(wire, done)) }
}

/// JavaScript's `SNICallback` answered (engine thread, between polls).
///
/// # Safety
/// As [`with_state`].
pub unsafe fn chosen(c: *mut sys::mg_connection, context: Option<Arc<Context>>, fail: bool) -> Outcome {
  // SAFETY: per this function's contract.
  unsafe { with_state(c, |wire, tls| tls.chosen(wire, context, fail)) }
}
