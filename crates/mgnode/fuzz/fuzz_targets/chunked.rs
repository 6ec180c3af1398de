//! The chunked decoder must decode a body the same way however its bytes are
//! split, never panic, never produce more data than it was given, and stop
//! exactly at the end of the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use http::chunked::ChunkedDecoder;

#[allow(dead_code)]
#[path = "../../src/http/mod.rs"]
mod http;
mod split;

#[derive(Debug, PartialEq)]
struct Decoded {
  data: Vec<u8>,
  /// Input bytes the body took, when it ended.
  ended_after: Option<usize>,
  error: Option<u16>,
}

fn run(pieces: &[&[u8]]) -> Decoded {
  let mut decoder = ChunkedDecoder::new();
  let mut out = Decoded { data: Vec::new(), ended_after: None, error: None };
  let mut pending: Vec<u8> = Vec::new();
  let mut taken = 0;
  for piece in pieces {
    pending.extend_from_slice(piece);
    match decoder.feed(&pending, 1 << 16, |bytes| out.data.extend_from_slice(bytes)) {
      Ok(used) => {
        assert!(used <= pending.len());
        taken += used;
        pending.drain(..used);
      }
      Err(e) => {
        out.error = Some(e.status());
        return out;
      }
    }
    if decoder.is_done() {
      out.ended_after = Some(taken);
      return out;
    }
  }
  out
}

fuzz_target!(|data: &[u8]| {
  let (pieces, wire) = split::pieces(data);
  let whole = run(&[wire]);
  assert!(whole.data.len() <= wire.len());
  let split = run(&pieces);
  assert_eq!(whole, split, "the same bytes decoded differently when split");
});
