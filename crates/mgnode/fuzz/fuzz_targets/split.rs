//! Splits a fuzz input into the pieces a client's reads would deliver: the
//! first byte seeds where the cuts fall, so one input tries one split.

pub fn pieces(data: &[u8]) -> (Vec<&[u8]>, &[u8]) {
  let Some((&seed, wire)) = data.split_first() else { return (Vec::new(), data) };
  let mut out = Vec::new();
  let mut rest = wire;
  let mut state = u32::from(seed) * 2654435761 + 1;
  while !rest.is_empty() {
    state = state.wrapping_mul(1103515245).wrapping_add(12345);
    let len = 1 + (state >> 16) as usize % (rest.len().min(64));
    let (piece, tail) = rest.split_at(len.min(rest.len()));
    out.push(piece);
    rest = tail;
  }
  (out, wire)
}
