//! Checks of mongoose-sys's build-time fixes that need Mongoose linked.
//! They live here, not in mongoose-sys: Mongoose is built with
//! `MG_TLS=MG_TLS_CUSTOM`, so a binary that links it needs this crate's TLS
//! hooks (`crate::tls`).

extern "C" {
  /// Mongoose's own, which the build-time fix routes to `mgn_wipe`.
  fn mg_bzero(buf: *mut u8, len: usize);
}

#[test]
fn mongoose_wipes_exactly_the_bytes_asked_for() {
  for len in [0usize, 1, 7, 64, 4096, 32768 + 3] {
    let mut buf = vec![0xA5u8; len + 32];
    // SAFETY: `buf` has len + 32 writable bytes; 16 from its start, len fit.
    unsafe { mg_bzero(buf.as_mut_ptr().add(16), len) };
    assert!(buf[..16].iter().all(|&b| b == 0xA5), "wrote before the range (len {len})");
    assert!(buf[16..16 + len].iter().all(|&b| b == 0), "left bytes in the range (len {len})");
    assert!(buf[16 + len..].iter().all(|&b| b == 0xA5), "wrote past the range (len {len})");
  }
}
