//! `Payload`: response bytes on their way to a socket, either owned by the
//! engine or lent by a JavaScript `Buffer` without being copied.

use std::ops::Deref;

use napi::bindgen_prelude::Buffer;

/// Bytes queued for a connection.
pub enum Payload {
  /// Copied out of JavaScript (small writes, strings) or made by the engine.
  Owned(Vec<u8>),
  /// A large JavaScript `Buffer`, read in place. napi-rs holds a reference
  /// that keeps it alive, and when it is dropped here, on the loop thread, it
  /// hands the release back to the owning JavaScript thread (or leaks it
  /// safely if that thread is gone). As with `net.Socket#write`, the bytes
  /// sent are whatever the buffer holds when the socket takes them, so
  /// callers must not change a buffer they have written.
  Shared(Buffer),
}

impl Deref for Payload {
  type Target = [u8];

  fn deref(&self) -> &[u8] {
    match self {
      Payload::Owned(bytes) => bytes,
      Payload::Shared(buffer) => buffer,
    }
  }
}

impl From<Vec<u8>> for Payload {
  fn from(bytes: Vec<u8>) -> Self {
    Payload::Owned(bytes)
  }
}
