//! Incremental decoder for `Transfer-Encoding: chunked` request bodies.

use crate::http::request_body::Body;

/// Why a chunked body was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum ChunkError {
  /// Bad chunk syntax: 400.
  Malformed,
  /// Body grew past the limit: 413.
  TooLarge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
  /// Expecting a `size[;ext]\r\n` line.
  Size,
  /// Inside chunk data, this many bytes left.
  Data(u64),
  /// Expecting the CRLF that closes a chunk's data.
  DataEnd,
  /// After the last chunk: trailer lines until an empty one.
  Trailers,
  Done,
}

/// Longest chunk-size line or trailer section we accept.
const MAX_LINE: usize = 4096;
const MAX_TRAILERS: usize = 16 * 1024;

/// Decodes chunked framing into a body buffer as bytes arrive.
#[derive(Debug)]
pub struct ChunkedDecoder {
  state: State,
  trailer_bytes: usize,
}

impl ChunkedDecoder {
  pub fn new() -> Self {
    ChunkedDecoder { state: State::Size, trailer_bytes: 0 }
  }

  pub fn is_done(&self) -> bool {
    self.state == State::Done
  }

  /// Consumes as much of `input` as possible, appending decoded data to `body`.
  /// Returns how many input bytes were consumed. Trailers are read and dropped.
  pub fn feed(&mut self, input: &[u8], body: &mut Body, max_body: usize) -> Result<usize, ChunkError> {
    let mut pos = 0;
    while pos < input.len() {
      let rest = &input[pos..];
      match self.state {
        State::Size => match httparse::parse_chunk_size(rest) {
          Ok(httparse::Status::Complete((used, size))) => {
            pos += used;
            if size > (max_body - body.len()) as u64 {
              return Err(ChunkError::TooLarge);
            }
            self.state = if size == 0 { State::Trailers } else { State::Data(size) };
          }
          Ok(httparse::Status::Partial) => {
            if rest.len() > MAX_LINE {
              return Err(ChunkError::Malformed);
            }
            break;
          }
          Err(_) => return Err(ChunkError::Malformed),
        },
        State::Data(left) => {
          let take = (left.min(rest.len() as u64)) as usize;
          body.extend_from_slice(&rest[..take]);
          pos += take;
          let left = left - take as u64;
          self.state = if left == 0 { State::DataEnd } else { State::Data(left) };
        }
        State::DataEnd => {
          if rest.len() < 2 {
            if rest[0] != b'\r' {
              return Err(ChunkError::Malformed);
            }
            break;
          }
          if &rest[..2] != b"\r\n" {
            return Err(ChunkError::Malformed);
          }
          pos += 2;
          self.state = State::Size;
        }
        State::Trailers => {
          // Each trailer line ends with CRLF; an empty line ends the body.
          match rest.windows(2).position(|w| w == b"\r\n") {
            Some(0) => {
              pos += 2;
              self.state = State::Done;
            }
            Some(end) => {
              self.trailer_bytes += end + 2;
              if self.trailer_bytes > MAX_TRAILERS {
                return Err(ChunkError::Malformed);
              }
              pos += end + 2;
            }
            None => {
              if self.trailer_bytes + rest.len() > MAX_TRAILERS {
                return Err(ChunkError::Malformed);
              }
              break;
            }
          }
        }
        State::Done => break,
      }
    }
    Ok(pos)
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn decode_all(parts: &[&[u8]]) -> Result<(Vec<u8>, bool), ChunkError> {
    let mut d = ChunkedDecoder::new();
    let mut body = Body::new();
    let mut pending = Vec::new();
    for p in parts {
      pending.extend_from_slice(p);
      let used = d.feed(&pending, &mut body, 1 << 20)?;
      pending.drain(..used);
    }
    Ok((body.to_vec(), d.is_done()))
  }

  #[test]
  fn decodes_in_one_piece_and_byte_by_byte() {
    let wire = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n";
    assert_eq!(decode_all(&[wire]).unwrap(), (b"hello world".to_vec(), true));
    let bytes: Vec<&[u8]> = wire.chunks(1).collect();
    assert_eq!(decode_all(&bytes).unwrap(), (b"hello world".to_vec(), true));
  }

  #[test]
  fn rejects_bad_framing_and_oversize() {
    assert_eq!(decode_all(&[b"zz\r\n"]), Err(ChunkError::Malformed));
    assert_eq!(decode_all(&[b"1\r\nab\r\n"]), Err(ChunkError::Malformed));
    let mut d = ChunkedDecoder::new();
    assert_eq!(d.feed(b"ffffff\r\n", &mut Body::new(), 1024), Err(ChunkError::TooLarge));
  }
}
