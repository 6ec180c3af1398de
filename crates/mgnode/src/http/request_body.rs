//! `Body`: a request body's bytes, in memory from the system allocator.
//!
//! Bodies are written on the Mongoose thread, handed to JavaScript as
//! Buffers over this memory, and freed on the JavaScript thread whenever V8
//! collects them. The rest of the addon allocates with mimalloc, which is
//! faster for its many small, short-lived allocations but keeps the pages of
//! large blocks freed from another thread mapped for a while, where the
//! system allocator reuses them at once (bench/README.md, "Design measurements").

use std::alloc::{GlobalAlloc, Layout, System};
use std::ops::Deref;
use std::ptr::NonNull;

pub struct Body {
  ptr: NonNull<u8>,
  len: usize,
  cap: usize,
}

// SAFETY: `Body` owns its allocation exclusively, like `Vec<u8>`; the system
// allocator may free memory on any thread.
unsafe impl Send for Body {}

impl Body {
  pub const fn new() -> Self {
    Body { ptr: NonNull::dangling(), len: 0, cap: 0 }
  }

  /// An empty body with room for `cap` bytes.
  pub fn with_capacity(cap: usize) -> Self {
    let mut body = Body::new();
    body.reserve(cap);
    body
  }

  pub fn len(&self) -> usize {
    self.len
  }

  pub fn is_empty(&self) -> bool {
    self.len == 0
  }

  pub fn extend_from_slice(&mut self, bytes: &[u8]) {
    if bytes.is_empty() {
      return;
    }
    self.reserve(bytes.len());
    // SAFETY: `reserve` made room for `bytes.len()` more bytes past `len`, and
    // `bytes` cannot overlap memory this body owns exclusively.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.ptr.as_ptr().add(self.len), bytes.len()) };
    self.len += bytes.len();
  }

  /// Makes room for `more` bytes past the current length, doubling as `Vec` does.
  fn reserve(&mut self, more: usize) {
    let needed = self.len.checked_add(more).expect("body size overflows usize");
    if needed <= self.cap {
      return;
    }
    let cap = needed.max(self.cap.saturating_mul(2)).max(64);
    let new_layout = Layout::array::<u8>(cap).expect("body size overflows a layout");
    // SAFETY: the new layout's size is non-zero (cap >= 64). With cap == 0
    // nothing was allocated; otherwise `ptr` came from `System` with the
    // layout of `self.cap` bytes, as `realloc` requires.
    let raw = unsafe {
      if self.cap == 0 {
        System.alloc(new_layout)
      } else {
        System.realloc(self.ptr.as_ptr(), Layout::array::<u8>(self.cap).unwrap(), cap)
      }
    };
    self.ptr = NonNull::new(raw).unwrap_or_else(|| std::alloc::handle_alloc_error(new_layout));
    self.cap = cap;
  }

  /// Gives up the memory to whoever frees it with [`Body::free_raw`]:
  /// pointer, length and capacity. An empty body gives nothing.
  pub fn into_raw(self) -> Option<(NonNull<u8>, usize, usize)> {
    let me = std::mem::ManuallyDrop::new(self);
    (me.cap > 0).then_some((me.ptr, me.len, me.cap))
  }

  /// Frees what [`Body::into_raw`] gave up.
  ///
  /// # Safety
  /// `ptr` and `cap` must come from one `into_raw` call, and be freed once.
  pub unsafe fn free_raw(ptr: NonNull<u8>, cap: usize) {
    // SAFETY: by the caller's contract, allocated by `System` with this layout.
    unsafe { System.dealloc(ptr.as_ptr(), Layout::array::<u8>(cap).unwrap()) };
  }
}

impl Default for Body {
  fn default() -> Self {
    Body::new()
  }
}

impl Drop for Body {
  fn drop(&mut self) {
    if self.cap > 0 {
      // SAFETY: allocated by `System` with the layout of `cap` bytes, freed only here.
      unsafe { Body::free_raw(self.ptr, self.cap) };
    }
  }
}

impl Deref for Body {
  type Target = [u8];

  fn deref(&self) -> &[u8] {
    // SAFETY: the first `len` bytes are initialised (written by
    // `extend_from_slice`); a dangling pointer is valid for a 0-length slice.
    unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
  }
}

impl std::fmt::Debug for Body {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.debug_struct("Body").field("len", &self.len).finish()
  }
}

impl<const N: usize> PartialEq<&[u8; N]> for Body {
  fn eq(&self, other: &&[u8; N]) -> bool {
    **self == other[..]
  }
}

impl From<&[u8]> for Body {
  fn from(bytes: &[u8]) -> Self {
    let mut body = Body::with_capacity(bytes.len());
    body.extend_from_slice(bytes);
    body
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn grows_and_keeps_bytes_in_order() {
    let mut body = Body::with_capacity(3);
    assert!(body.is_empty());
    for i in 0..1000u32 {
      body.extend_from_slice(&i.to_le_bytes());
    }
    assert_eq!(body.len(), 4000);
    let expected: Vec<u8> = (0..1000u32).flat_map(|i| i.to_le_bytes()).collect();
    assert_eq!(&body[..], &expected[..]);
  }

  #[test]
  fn raw_parts_round_trip() {
    let body = Body::from(&b"hello"[..]);
    let (ptr, len, cap) = body.into_raw().expect("a non-empty body has memory");
    // SAFETY: the parts come straight from `into_raw`, freed once below.
    let bytes = unsafe { std::slice::from_raw_parts(ptr.as_ptr(), len) };
    assert_eq!(bytes, b"hello");
    unsafe { Body::free_raw(ptr, cap) };
    assert!(Body::new().into_raw().is_none());
  }
}
