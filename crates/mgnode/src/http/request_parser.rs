//! HTTP/1.x requests, head and body, with the limits a production server
//! enforces.
//!
//! mgnode reads raw bytes from Mongoose and parses requests itself instead of
//! using Mongoose's HTTP layer: that layer closes the connection without a
//! response on oversize or malformed input, ignores headers past its fixed
//! table, and lets a bodiless POST swallow the next pipelined request. Here
//! every refusal has a status code, and the syntax is as strict as node:http's
//! (see [`super::request_head`] and [`super::chunked`]).

use super::chunked::ChunkedDecoder;
use super::request_body::Body;
use super::request_head::HeadParser;
pub use super::request_head::{Framing, Head, Limits};

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

/// How the rest of the current body is delimited.
enum BodyReader {
  /// This many bytes are still to come.
  Length(u64),
  Chunked(ChunkedDecoder),
}

/// A request whose head is read and whose body is arriving.
struct PendingBody {
  head: Head,
  body: Body,
  reader: BodyReader,
}

/// Per-connection parser. Feed it the unconsumed receive buffer.
pub struct RequestParser {
  head: HeadParser,
  body: Option<PendingBody>,
}

impl RequestParser {
  pub fn new() -> Self {
    RequestParser { head: HeadParser::new(), body: None }
  }

  /// True while the head of the next request is still being read (the
  /// headers timeout applies then, the request timeout after).
  pub fn reading_head(&self) -> bool {
    self.body.is_none()
  }

  /// Parses from `buf`. Returns the number of bytes consumed and the outcome.
  pub fn feed(&mut self, buf: &[u8], limits: &Limits) -> (usize, Parsed) {
    let Some(pending) = self.body.as_mut() else {
      let (used, head, framing) = match self.head.parse(buf, limits) {
        Ok(Some(done)) => done,
        Ok(None) => return (0, Parsed::More),
        Err(status) => return (0, Parsed::Reject(status)),
      };
      let reader = match framing {
        Framing::Length(0) => return (used, Parsed::Request(ParsedRequest { head, body: Body::new() })),
        Framing::Length(n) => BodyReader::Length(n),
        Framing::Chunked => BodyReader::Chunked(ChunkedDecoder::new()),
      };
      let expect = head.expect_continue;
      let body = match reader {
        BodyReader::Length(n) => Body::with_capacity(n.min(1 << 20) as usize),
        BodyReader::Chunked(_) => Body::new(),
      };
      self.body = Some(PendingBody { head, body, reader });
      let (more, outcome) = self.feed(&buf[used..], limits);
      return match outcome {
        Parsed::More if expect && more == 0 => (used, Parsed::SendContinue),
        other => (used + more, other),
      };
    };
    let body = &mut pending.body;
    let (used, complete) = match &mut pending.reader {
      BodyReader::Length(left) => {
        let take = (*left).min(buf.len() as u64) as usize;
        body.extend_from_slice(&buf[..take]);
        *left -= take as u64;
        (take, *left == 0)
      }
      BodyReader::Chunked(decoder) => match decoder.feed(buf, limits.max_body, |bytes| body.extend_from_slice(bytes)) {
        Ok(used) => (used, decoder.is_done()),
        Err(e) => return (0, Parsed::Reject(e.status())),
      },
    };
    match self.body.take_if(|_| complete) {
      Some(PendingBody { head, body, .. }) => (used, Parsed::Request(ParsedRequest { head, body })),
      None => (used, Parsed::More),
    }
  }
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
  fn a_refusal_stops_the_connection_s_parsing() {
    let mut p = RequestParser::new();
    let wire = b"POST /body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n";
    let out = feed_all(&mut p, wire);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(status(&out[0]), 400);
    let mut p = RequestParser::new();
    let out = feed_all(&mut p, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n");
    assert_eq!(status(&out[0]), 413);
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
