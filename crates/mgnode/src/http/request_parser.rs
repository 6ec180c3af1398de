//! HTTP/1.x request parsing with the limits a production server enforces.
//!
//! mgnode reads raw bytes from Mongoose and parses requests itself (with
//! `httparse`) instead of using Mongoose's HTTP layer: that layer closes the
//! connection without a response on oversize or malformed input, ignores
//! headers past its fixed table, and lets a bodiless POST swallow the next
//! pipelined request. Here every refusal has a status code.

use crate::http::chunked::{ChunkError, ChunkedDecoder};
use crate::http::request_body::Body;

/// Limits of one listener.
#[derive(Debug, Clone)]
pub struct Limits {
  pub max_body: usize,
  pub max_head: usize,
  pub max_headers: usize,
}

/// How the body of a request is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
  Length(u64),
  Chunked,
}

/// A complete request head, copied out of the receive buffer.
#[derive(Debug)]
pub struct Head {
  pub method: String,
  pub target: String,
  /// 0 for HTTP/1.0, 1 for HTTP/1.1.
  pub minor: u8,
  /// `[name, value, name, value, ...]` in arrival order.
  pub raw_headers: Vec<String>,
  pub keep_alive: bool,
  pub expect_continue: bool,
}

/// A whole request: head plus de-framed body.
#[derive(Debug)]
pub struct ParsedRequest {
  pub head: Head,
  pub body: Body,
}

/// What feeding bytes produced.
#[derive(Debug)]
pub enum Parsed {
  /// Need more bytes.
  More,
  /// The head asked for `100 Continue` and the body has not started.
  SendContinue,
  Request(ParsedRequest),
  /// Refuse with this status and close.
  Reject(u16),
}

enum State {
  Head,
  Body { head: Head, framing: Framing, body: Body, chunked: Option<ChunkedDecoder> },
}

/// Per-connection parser. Feed it the unconsumed receive buffer.
pub struct RequestParser {
  state: State,
}

impl RequestParser {
  pub fn new() -> Self {
    RequestParser { state: State::Head }
  }

  /// True while nothing of the next request has been consumed.
  pub fn at_request_start(&self) -> bool {
    matches!(self.state, State::Head)
  }

  /// Parses from `buf`. Returns the number of bytes consumed and the outcome.
  pub fn feed(&mut self, buf: &[u8], limits: &Limits) -> (usize, Parsed) {
    match &mut self.state {
      State::Head => {
        let (used, head, framing) = match parse_head(buf, limits) {
          Ok(Some(done)) => done,
          Ok(None) => return (0, Parsed::More),
          Err(status) => return (0, Parsed::Reject(status)),
        };
        if framing == Framing::Length(0) {
          return (used, Parsed::Request(ParsedRequest { head, body: Body::new() }));
        }
        let expect = head.expect_continue;
        let (body, chunked) = match framing {
          Framing::Length(n) => (Body::with_capacity((n as usize).min(1 << 20)), None),
          Framing::Chunked => (Body::new(), Some(ChunkedDecoder::new())),
        };
        self.state = State::Body { head, framing, body, chunked };
        let (more, outcome) = self.feed(&buf[used..], limits);
        match outcome {
          Parsed::More if expect && more == 0 => (used, Parsed::SendContinue),
          other => (used + more, other),
        }
      }
      State::Body { framing, body, chunked, .. } => {
        let framing = *framing;
        let used = match (framing, chunked.as_mut()) {
          (Framing::Length(n), _) => {
            let take = (n as usize - body.len()).min(buf.len());
            body.extend_from_slice(&buf[..take]);
            take
          }
          (Framing::Chunked, Some(decoder)) => match decoder.feed(buf, body, limits.max_body) {
            Ok(used) => used,
            Err(ChunkError::Malformed) => return (0, Parsed::Reject(400)),
            Err(ChunkError::TooLarge) => return (0, Parsed::Reject(413)),
          },
          (Framing::Chunked, None) => unreachable!("chunked framing always has a decoder"),
        };
        let complete = match (framing, chunked.as_ref()) {
          (Framing::Length(n), _) => body.len() as u64 == n,
          (_, Some(decoder)) => decoder.is_done(),
          _ => false,
        };
        if !complete {
          return (used, Parsed::More);
        }
        match std::mem::replace(&mut self.state, State::Head) {
          State::Body { head, body, .. } => (used, Parsed::Request(ParsedRequest { head, body })),
          State::Head => (used, Parsed::More),
        }
      }
    }
  }
}

/// Converts header bytes to a string the way Node does (latin1), cheaply for ASCII.
fn latin1(bytes: &[u8]) -> String {
  if bytes.is_ascii() {
    // ASCII is valid UTF-8.
    String::from_utf8(bytes.to_vec()).unwrap_or_default()
  } else {
    bytes.iter().map(|&b| b as char).collect()
  }
}

fn has_token(value: &[u8], token: &str) -> bool {
  value.split(|&b| b == b',').any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
}

/// Parses a request head. `Ok(None)` means incomplete; `Err` carries the status.
/// Header slots tried on the stack before falling back to the configured maximum.
const STACK_SLOTS: usize = 32;

fn parse_head(buf: &[u8], limits: &Limits) -> Result<Option<(usize, Head, Framing)>, u16> {
  // Most requests fit in a small stack table; only big ones pay for a heap one.
  // One slot more than the limit tells "exactly at the limit" from "over it".
  let mut stack = [httparse::EMPTY_HEADER; STACK_SLOTS];
  let want = limits.max_headers + 1;
  if want <= STACK_SLOTS {
    return parse_head_with(buf, limits, &mut stack[..want]);
  }
  match parse_head_with(buf, limits, &mut stack) {
    Err(431) => {
      let mut heap = vec![httparse::EMPTY_HEADER; want];
      parse_head_with(buf, limits, &mut heap)
    }
    other => other,
  }
}

fn parse_head_with<'b>(
  buf: &'b [u8],
  limits: &Limits,
  slots: &mut [httparse::Header<'b>],
) -> Result<Option<(usize, Head, Framing)>, u16> {
  let mut req = httparse::Request::new(slots);
  let used = match req.parse(buf) {
    Ok(httparse::Status::Complete(n)) => n,
    Ok(httparse::Status::Partial) => {
      return if buf.len() > limits.max_head { Err(431) } else { Ok(None) };
    }
    Err(httparse::Error::TooManyHeaders) => return Err(431),
    Err(_) => {
      return Err(if buf.len() > limits.max_head { 431 } else { 400 });
    }
  };
  if used > limits.max_head {
    return Err(431);
  }
  if req.headers.len() > limits.max_headers {
    return Err(431);
  }
  let minor = req.version.unwrap_or(1);
  let mut content_length: Option<u64> = None;
  let mut chunked = false;
  let mut transfer_encoding = false;
  let mut conn_close = false;
  let mut conn_keep_alive = false;
  let mut expect_continue = false;
  let mut has_host = false;
  let mut raw_headers = Vec::with_capacity(req.headers.len() * 2);
  for h in req.headers.iter() {
    let name = h.name;
    if name.eq_ignore_ascii_case("content-length") {
      let v = h.value.trim_ascii();
      if v.is_empty() || !v.iter().all(u8::is_ascii_digit) || v.len() > 18 {
        return Err(400);
      }
      let n: u64 = std::str::from_utf8(v).map_err(|_| 400u16)?.parse().map_err(|_| 400u16)?;
      if content_length.is_some_and(|prev| prev != n) {
        return Err(400);
      }
      content_length = Some(n);
    } else if name.eq_ignore_ascii_case("transfer-encoding") {
      transfer_encoding = true;
      // Only `chunked` as the final coding delimits a request body.
      let last = h.value.rsplit(|&b| b == b',').next().unwrap_or(b"").trim_ascii();
      chunked = last.eq_ignore_ascii_case(b"chunked");
    } else if name.eq_ignore_ascii_case("connection") {
      conn_close |= has_token(h.value, "close");
      conn_keep_alive |= has_token(h.value, "keep-alive");
    } else if name.eq_ignore_ascii_case("expect") {
      if h.value.trim_ascii().eq_ignore_ascii_case(b"100-continue") {
        expect_continue = true;
      } else {
        return Err(417);
      }
    } else if name.eq_ignore_ascii_case("host") {
      has_host = true;
    }
    raw_headers.push(name.to_string());
    raw_headers.push(latin1(h.value));
  }
  // Request smuggling defences: a body length must be unambiguous.
  if transfer_encoding && (content_length.is_some() || !chunked || minor == 0) {
    return Err(400);
  }
  if minor == 1 && !has_host {
    return Err(400);
  }
  let framing = if chunked { Framing::Chunked } else { Framing::Length(content_length.unwrap_or(0)) };
  if let Framing::Length(n) = framing {
    if n > limits.max_body as u64 {
      return Err(413);
    }
  }
  let keep_alive = if minor == 1 { !conn_close } else { conn_keep_alive && !conn_close };
  let head = Head {
    method: req.method.unwrap_or("GET").to_string(),
    target: req.path.unwrap_or("/").to_string(),
    minor,
    raw_headers,
    keep_alive,
    expect_continue: expect_continue && minor == 1,
  };
  Ok(Some((used, head, framing)))
}

#[cfg(test)]
mod tests {
  use super::*;

  fn limits() -> Limits {
    Limits { max_body: 1024, max_head: 512, max_headers: 8 }
  }

  fn feed_all(p: &mut RequestParser, mut buf: &[u8]) -> Vec<Parsed> {
    let mut out = Vec::new();
    loop {
      let (used, r) = p.feed(buf, &limits());
      buf = &buf[used..];
      let stop = matches!(r, Parsed::More | Parsed::Reject(_));
      out.push(r);
      if stop || buf.is_empty() {
        return out;
      }
    }
  }

  fn status(r: &Parsed) -> u16 {
    match r {
      Parsed::Reject(s) => *s,
      _ => 0,
    }
  }

  #[test]
  fn parses_pipelined_requests_with_bodies() {
    let mut p = RequestParser::new();
    let wire = b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /b?c=1 HTTP/1.0\r\n\r\n";
    let out = feed_all(&mut p, wire);
    match (&out[0], &out[1]) {
      (Parsed::Request(a), Parsed::Request(b)) => {
        assert_eq!(a.head.method, "POST");
        assert_eq!(a.body, b"abc");
        assert!(a.head.keep_alive);
        assert_eq!(b.head.target, "/b?c=1");
        assert_eq!(b.head.minor, 0);
        assert!(!b.head.keep_alive);
      }
      other => panic!("unexpected {other:?}"),
    }
  }

  #[test]
  fn refuses_with_status_codes() {
    let cases: &[(&[u8], u16)] = &[
      (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
      (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
      (b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
      (b"GET / HTTP/1.1\r\n\r\n", 400),
      (b"BAD\x01 / HTTP/1.1\r\n\r\n", 400),
      (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n", 413),
      (b"GET / HTTP/1.1\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\nF: 1\r\nG: 1\r\nH: 1\r\nI: 1\r\n\r\n", 431),
    ];
    for (wire, want) in cases {
      let mut p = RequestParser::new();
      assert_eq!(status(&p.feed(wire, &limits()).1), *want, "{}", String::from_utf8_lossy(wire));
    }
    let mut p = RequestParser::new();
    let big = [b'a'; 600];
    assert_eq!(status(&p.feed(&big, &limits()).1), 431);
  }

  #[test]
  fn continue_then_chunked_body() {
    let mut p = RequestParser::new();
    let head = b"PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n";
    let (used, r) = p.feed(head, &limits());
    assert_eq!(used, head.len());
    assert!(matches!(r, Parsed::SendContinue));
    let (_, r) = p.feed(b"3\r\nxyz\r\n0\r\n\r\n", &limits());
    match r {
      Parsed::Request(req) => assert_eq!(req.body, b"xyz"),
      other => panic!("unexpected {other:?}"),
    }
  }
}
