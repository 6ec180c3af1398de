//! Incremental, strict decoder for `Transfer-Encoding: chunked` request
//! bodies (RFC 9112 §7.1).
//!
//! Strict in the ways node:http is, so that no two parsers can disagree on
//! where a body ends: a chunk size has at least one hex digit and nothing but
//! an extension after it (no white space), extensions are `;name[=value]`
//! with token or quoted-string values, line ends are CRLF only, chunk data is
//! followed by exactly CRLF, and trailer lines are well-formed header fields.

use super::syntax::{hex_value, is_field_value, is_qdtext, is_token};

/// Why a chunked body was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum ChunkError {
  /// Bad chunk syntax: 400.
  Malformed,
  /// The body, or a chunk-size line with its extensions, grew past its limit: 413.
  TooLarge,
  /// The trailer section grew past its limit: 431, as for a head.
  TrailersTooLarge,
}

impl ChunkError {
  pub fn status(&self) -> u16 {
    match self {
      ChunkError::Malformed => 400,
      ChunkError::TooLarge => 413,
      ChunkError::TrailersTooLarge => 431,
    }
  }
}

/// Trailer fields that would change how the message is framed: refused, as
/// node:http refuses them (RFC 9110 §6.5.1 forbids framing fields in trailers).
const FRAMING_FIELDS: &[&[u8]] = &[b"content-length", b"transfer-encoding"];
/// Longest of them.
const FRAMING_FIELD_MAX: usize = 17;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
  /// The first hex digit of a chunk size.
  SizeStart,
  Size,
  /// After `;`: the first byte of an extension name.
  ExtNameStart,
  ExtName,
  /// After `=`: a token or a quoted string.
  ExtValueStart,
  ExtToken,
  ExtQuoted,
  /// After a backslash in a quoted string.
  ExtEscape,
  ExtQuotedEnd,
  SizeLf,
  /// Inside chunk data, this many bytes left.
  Data(u64),
  DataCr,
  DataLf,
  /// After the last chunk: a trailer field, or the empty line that ends the body.
  TrailerStart,
  TrailerName,
  TrailerValue,
  TrailerLf,
  EndLf,
  Done,
}

/// Longest chunk-size line, extensions included (node:http also refuses
/// longer ones, with 413, since unbounded extensions cost the server memory).
const MAX_SIZE_LINE: usize = 16 * 1024;
/// Largest trailer section.
const MAX_TRAILERS: usize = 16 * 1024;

/// Decodes chunked framing as bytes arrive.
#[derive(Debug)]
pub struct ChunkedDecoder {
  state: State,
  /// The chunk size being read.
  size: u64,
  /// Bytes of the current size line, or of the trailers.
  line_bytes: usize,
  /// Data bytes decoded so far.
  decoded: u64,
  /// The trailer name being read, lower-cased, while it may still be a framing field.
  name: [u8; FRAMING_FIELD_MAX],
  name_len: usize,
}

impl ChunkedDecoder {
  pub fn new() -> Self {
    ChunkedDecoder {
      state: State::SizeStart,
      size: 0,
      line_bytes: 0,
      decoded: 0,
      name: [0; FRAMING_FIELD_MAX],
      name_len: 0,
    }
  }

  pub fn is_done(&self) -> bool {
    self.state == State::Done
  }

  /// Consumes as much of `input` as it can, handing decoded data to `data`
  /// in order, and returns how many input bytes it consumed. A chunk that
  /// would take the body past `max_body` bytes is refused before its data.
  /// Trailers are checked and dropped.
  pub fn feed(&mut self, input: &[u8], max_body: u64, mut data: impl FnMut(&[u8])) -> Result<usize, ChunkError> {
    use ChunkError::{Malformed, TooLarge, TrailersTooLarge};
    let mut pos = 0;
    while pos < input.len() && self.state != State::Done {
      if let State::Data(left) = self.state {
        let take = left.min((input.len() - pos) as u64) as usize;
        data(&input[pos..pos + take]);
        pos += take;
        let left = left - take as u64;
        self.state = if left > 0 { State::Data(left) } else { State::DataCr };
        continue;
      }
      let b = input[pos];
      self.state = match self.state {
        State::SizeStart => {
          let digit = hex_value(b).ok_or(Malformed)?;
          self.size = digit;
          self.line_bytes = 0;
          State::Size
        }
        State::Size => match b {
          b'\r' => State::SizeLf,
          b';' => State::ExtNameStart,
          _ => {
            let digit = hex_value(b).ok_or(Malformed)?;
            self.size = self.size.checked_mul(16).and_then(|n| n.checked_add(digit)).ok_or(Malformed)?;
            State::Size
          }
        },
        State::ExtNameStart if is_token(b) => State::ExtName,
        State::ExtName => match b {
          b'=' => State::ExtValueStart,
          b';' => State::ExtNameStart,
          b'\r' => State::SizeLf,
          _ if is_token(b) => State::ExtName,
          _ => return Err(Malformed),
        },
        State::ExtValueStart => match b {
          b'"' => State::ExtQuoted,
          _ if is_token(b) => State::ExtToken,
          _ => return Err(Malformed),
        },
        State::ExtToken => match b {
          b';' => State::ExtNameStart,
          b'\r' => State::SizeLf,
          _ if is_token(b) => State::ExtToken,
          _ => return Err(Malformed),
        },
        State::ExtQuoted => match b {
          b'"' => State::ExtQuotedEnd,
          b'\\' => State::ExtEscape,
          _ if is_qdtext(b) => State::ExtQuoted,
          _ => return Err(Malformed),
        },
        State::ExtEscape if is_field_value(b) => State::ExtQuoted,
        State::ExtQuotedEnd => match b {
          b';' => State::ExtNameStart,
          b'\r' => State::SizeLf,
          _ => return Err(Malformed),
        },
        State::SizeLf if b == b'\n' => {
          if self.size == 0 {
            self.line_bytes = 0;
            State::TrailerStart
          } else {
            if self.size > max_body.saturating_sub(self.decoded) {
              return Err(TooLarge);
            }
            self.decoded += self.size;
            State::Data(self.size)
          }
        }
        State::DataCr if b == b'\r' => State::DataLf,
        State::DataLf if b == b'\n' => State::SizeStart,
        State::TrailerStart => match b {
          b'\r' => State::EndLf,
          _ if is_token(b) => {
            self.name_len = 0;
            self.note_name(b);
            State::TrailerName
          }
          // White space first is obs-fold, refused in trailers as in heads.
          _ => return Err(Malformed),
        },
        State::TrailerName => match b {
          b':' if FRAMING_FIELDS.contains(&&self.name[..self.name_len.min(FRAMING_FIELD_MAX)]) => {
            return Err(Malformed)
          }
          b':' => State::TrailerValue,
          _ if is_token(b) => {
            self.note_name(b);
            State::TrailerName
          }
          _ => return Err(Malformed),
        },
        State::TrailerValue => match b {
          b'\r' => State::TrailerLf,
          _ if is_field_value(b) => State::TrailerValue,
          _ => return Err(Malformed),
        },
        State::TrailerLf if b == b'\n' => State::TrailerStart,
        State::EndLf if b == b'\n' => State::Done,
        _ => return Err(Malformed),
      };
      pos += 1;
      if !matches!(self.state, State::Data(_)) {
        self.line_bytes += 1;
        let limit = if self.in_trailers() { MAX_TRAILERS } else { MAX_SIZE_LINE };
        if self.line_bytes > limit {
          return Err(if self.in_trailers() { TrailersTooLarge } else { TooLarge });
        }
      }
    }
    Ok(pos)
  }

  /// Keeps a trailer name's bytes while it is short enough to be a framing field.
  fn note_name(&mut self, b: u8) {
    if self.name_len < FRAMING_FIELD_MAX {
      self.name[self.name_len] = b.to_ascii_lowercase();
    }
    self.name_len += 1;
  }

  fn in_trailers(&self) -> bool {
    matches!(
      self.state,
      State::TrailerStart | State::TrailerName | State::TrailerValue | State::TrailerLf | State::EndLf
    )
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  /// Decodes `parts` fed one after the other, as reads would deliver them.
  fn decode_all(parts: &[&[u8]]) -> Result<(Vec<u8>, bool), ChunkError> {
    let mut d = ChunkedDecoder::new();
    let mut body = Vec::new();
    let mut pending = Vec::new();
    for p in parts {
      pending.extend_from_slice(p);
      let used = d.feed(&pending, 1 << 20, |bytes| body.extend_from_slice(bytes))?;
      pending.drain(..used);
    }
    Ok((body, d.is_done()))
  }

  fn decode(wire: &[u8]) -> Result<(Vec<u8>, bool), ChunkError> {
    let whole = decode_all(&[wire]);
    let bytes: Vec<&[u8]> = wire.chunks(1).collect();
    assert_eq!(whole, decode_all(&bytes), "byte by byte differs: {}", String::from_utf8_lossy(wire));
    whole
  }

  #[test]
  fn decodes_in_one_piece_and_byte_by_byte() {
    let wire =
      b"5\r\nhello\r\n6;ext=1;q=\"a \\\" b\";flag\r\n world\r\n000A\r\n0123456789\r\n0\r\nX-T: 1\r\nY:\r\n\r\n";
    assert_eq!(decode(wire).unwrap(), (b"hello world0123456789".to_vec(), true));
  }

  #[test]
  fn stops_at_the_end_of_the_body() {
    let mut d = ChunkedDecoder::new();
    let used = d.feed(b"1\r\na\r\n0\r\n\r\nGET / HTTP/1.1\r\n", 100, |_| {}).unwrap();
    assert_eq!(used, 11);
    assert!(d.is_done());
  }

  #[test]
  fn refuses_what_node_refuses() {
    let malformed: &[&[u8]] = &[
      b"\r\n",                      // empty size line (read as the last chunk by lenient parsers)
      b"zz\r\n",                    // not hex
      b"0x5\r\nhello\r\n0\r\n\r\n", // C-style prefix
      b" 5\r\nhello\r\n0\r\n\r\n",  // white space before
      b"5 \r\nhello\r\n0\r\n\r\n",  // white space after
      b"5 ;a=b\r\nhello\r\n0\r\n\r\n",
      b"5;\r\nhello\r\n0\r\n\r\n",   // bare `;`
      b"5;a=\r\nhello\r\n0\r\n\r\n", // `=` without a value
      b"5;a=\"b\r\nhello\r\n0\r\n\r\n",
      b"5;a b\r\nhello\r\n0\r\n\r\n",
      b"5\nhello\r\n0\r\n\r\n", // bare LF
      b"5\r\nhelloXX0\r\n\r\n", // data not followed by CRLF
      b"5\r\nhello\n0\r\n\r\n",
      b"5\r\nhello\r\n\r\n0\r\n\r\n", // blank line between chunks
      b"0\r\nfoo\r\n\r\n",            // trailer without a colon
      b"0\r\nX: a\x00b\r\n\r\n",      // NUL in a trailer
      b"0\r\nX : 1\r\n\r\n",          // space before the colon
      b"0\r\nX: 1\r\n folded\r\n\r\n",
      b"0\r\nContent-Length: 5\r\n\r\n",
      b"0\r\ntransfer-encoding: chunked\r\n\r\n",
      b"0\r\n\n",
      b"fffffffffffffffff\r\n", // overflows 64 bits
    ];
    for wire in malformed {
      assert_eq!(decode(wire), Err(ChunkError::Malformed), "{}", String::from_utf8_lossy(wire));
    }
  }

  #[test]
  fn refuses_oversize_bodies_and_lines_with_413() {
    let mut d = ChunkedDecoder::new();
    assert_eq!(d.feed(b"401\r\n", 1024, |_| {}), Err(ChunkError::TooLarge));
    let mut d = ChunkedDecoder::new();
    assert_eq!(d.feed(b"200\r\n", 1024, |_| {}), Ok(5));
    let mut long = b"1;a=".to_vec();
    long.extend(std::iter::repeat_n(b'x', MAX_SIZE_LINE));
    assert_eq!(ChunkedDecoder::new().feed(&long, 1024, |_| {}), Err(ChunkError::TooLarge));
    let mut trailer = b"0\r\nX-T: ".to_vec();
    trailer.extend(std::iter::repeat_n(b'a', MAX_TRAILERS));
    assert_eq!(ChunkedDecoder::new().feed(&trailer, 1024, |_| {}), Err(ChunkError::TrailersTooLarge));
    // A longer name that starts like a framing field is fine.
    assert_eq!(decode(b"0\r\nContent-Lengths: 5\r\n\r\n"), Ok((Vec::new(), true)));
  }
}
