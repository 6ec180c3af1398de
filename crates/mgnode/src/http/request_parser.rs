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
  /// A whole request, its body (if any) complete.
  Request(ParsedRequest),
  /// A request whose body is still arriving: `body` holds what came with
  /// the head, the rest follows as `BodyPart`s.
  Streamed(ParsedRequest),
  /// More of a streamed body; `last` when it is complete.
  BodyPart { data: Body, last: bool },
  /// A request that takes the connection over (an upgrade its thread takes,
  /// or CONNECT): nothing after its head is HTTP any more, and the parser
  /// must not be fed again.
  Upgrade(ParsedRequest),
  /// Refuse with this status and close.
  Reject(u16),
}

/// Bodies of known length up to this size are collected and handed over with
/// their request, in one piece (most bodies: one hand-over, no stream to
/// drive). Larger ones stream, as do chunked bodies not complete in the read
/// that brought their head.
pub const WHOLE_BODY_MAX: u64 = 256 * 1024;

/// The server events a thread's app listens for, which node:http lets decide
/// how some requests are handled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hooks {
  /// `'upgrade'`: `Connection: upgrade` requests with an `Upgrade` header leave HTTP.
  pub upgrade: bool,
  /// `'connect'`: `CONNECT` requests become tunnels (without, they are dropped).
  pub connect: bool,
  /// `'checkContinue'`: the app decides whether to send `100 Continue`
  /// (without, the engine sends it as the body is awaited).
  pub check_continue: bool,
  /// `'checkExpectation'`: the app answers other `Expect` values (without, 417).
  pub check_expectation: bool,
}

/// How the rest of the current body is delimited.
enum BodyReader {
  /// This many bytes are still to come.
  Length(u64),
  Chunked(ChunkedDecoder),
}

impl BodyReader {
  /// Reads body bytes from `buf` into `out`: how many input bytes it used,
  /// and whether the body is complete.
  fn read(&mut self, buf: &[u8], max_body: u64, out: &mut Body) -> Result<(usize, bool), u16> {
    match self {
      BodyReader::Length(left) => {
        let take = (*left).min(buf.len() as u64) as usize;
        out.extend_from_slice(&buf[..take]);
        *left -= take as u64;
        Ok((take, *left == 0))
      }
      BodyReader::Chunked(decoder) => {
        let used = decoder.feed(buf, max_body, |bytes| out.extend_from_slice(bytes)).map_err(|e| e.status())?;
        Ok((used, decoder.is_done()))
      }
    }
  }
}

/// The body being read, if any.
enum BodyState {
  /// A small body collected to go with its request.
  Whole { head: Head, body: Body, reader: BodyReader },
  /// A body streaming after its request.
  Streaming(BodyReader),
}

/// Per-connection parser. Feed it the unconsumed receive buffer.
pub struct RequestParser {
  head: HeadParser,
  body: Option<BodyState>,
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

  /// True while a streamed body is being read.
  pub fn streaming(&self) -> bool {
    matches!(self.body, Some(BodyState::Streaming(_)))
  }

  /// Parses from `buf`. Returns the number of bytes consumed and the outcome.
  /// `upgrades` says which upgrade requests take the connection over.
  pub fn feed(&mut self, buf: &[u8], limits: &Limits, hooks: Hooks) -> (usize, Parsed) {
    match self.body.take() {
      None => self.feed_head(buf, limits, hooks),
      Some(BodyState::Whole { head, mut body, mut reader }) => match reader.read(buf, limits.max_body, &mut body) {
        Err(status) => (0, Parsed::Reject(status)),
        Ok((used, true)) => (used, Parsed::Request(ParsedRequest { head, body })),
        Ok((used, false)) => {
          self.body = Some(BodyState::Whole { head, body, reader });
          (used, Parsed::More)
        }
      },
      Some(BodyState::Streaming(mut reader)) => {
        let mut data = Body::new();
        match reader.read(buf, limits.max_body, &mut data) {
          Err(status) => (0, Parsed::Reject(status)),
          Ok((used, last)) => {
            if !last {
              self.body = Some(BodyState::Streaming(reader));
            }
            if data.is_empty() && !last {
              (used, Parsed::More)
            } else {
              (used, Parsed::BodyPart { data, last })
            }
          }
        }
      }
    }
  }

  fn feed_head(&mut self, buf: &[u8], limits: &Limits, hooks: Hooks) -> (usize, Parsed) {
    let (used, mut head, framing) = match self.head.parse(buf, limits) {
      Ok(Some(done)) => done,
      Ok(None) => return (0, Parsed::More),
      Err(status) => return (0, Parsed::Reject(status)),
    };
    if head.upgrade {
      let connect = head.method == "CONNECT";
      // CONNECT always leaves HTTP (node:http closes it when nothing takes it).
      if connect || hooks.upgrade {
        return (used, Parsed::Upgrade(ParsedRequest { head, body: Body::new() }));
      }
      // An upgrade nobody takes is an ordinary request, and the connection
      // stays for the next one, as on node:http; like node:http, which reads
      // what followed the head in the same read as the would-be tunnel and
      // drops it, nothing already buffered behind it is taken for a request.
      if matches!(framing, Framing::Length(0)) {
        return (buf.len(), Parsed::Request(ParsedRequest { head, body: Body::new() }));
      }
    }
    if head.expectation && !hooks.check_expectation {
      return (0, Parsed::Reject(417));
    }
    let rest = &buf[used..];
    if head.expect_continue && rest.is_empty() && hooks.check_continue {
      // The app decides whether the body is wanted (it may answer at once):
      // the request goes now, and its body streams after it if sent.
      head.continue_by_app = true;
      let reader = match framing {
        Framing::Length(0) => return (used, Parsed::Request(ParsedRequest { head, body: Body::new() })),
        Framing::Length(n) => BodyReader::Length(n),
        Framing::Chunked => BodyReader::Chunked(ChunkedDecoder::new()),
      };
      self.body = Some(BodyState::Streaming(reader));
      return (used, Parsed::Streamed(ParsedRequest { head, body: Body::new() }));
    }
    let mut reader = match framing {
      Framing::Length(0) => return (used, Parsed::Request(ParsedRequest { head, body: Body::new() })),
      Framing::Length(n) => BodyReader::Length(n),
      Framing::Chunked => BodyReader::Chunked(ChunkedDecoder::new()),
    };
    if matches!(framing, Framing::Length(n) if n <= WHOLE_BODY_MAX) {
      let expect = head.expect_continue && rest.is_empty();
      self.body = Some(BodyState::Whole { head, body: Body::with_capacity(framing_len(framing)), reader });
      let (more, outcome) = self.feed(rest, limits, hooks);
      return match outcome {
        Parsed::More if expect => (used, Parsed::SendContinue),
        other => (used + more, other),
      };
    }
    // Chunked, or too large to collect: whatever came with the head goes with
    // the request, the rest streams, unless the body is already complete.
    let mut body = Body::new();
    match reader.read(rest, limits.max_body, &mut body) {
      Err(status) => (0, Parsed::Reject(status)),
      Ok((more, true)) => (used + more, Parsed::Request(ParsedRequest { head, body })),
      Ok((more, false)) => {
        self.body = Some(BodyState::Streaming(reader));
        (used + more, Parsed::Streamed(ParsedRequest { head, body }))
      }
    }
  }
}

fn framing_len(framing: Framing) -> usize {
  match framing {
    Framing::Length(n) => n as usize,
    Framing::Chunked => 0,
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
      let (used, r) = p.feed(buf, &limits(), Hooks::default());
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
  fn a_chunked_body_complete_with_its_head_comes_whole() {
    let mut p = RequestParser::new();
    let out = feed_all(&mut p, b"PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nxyz\r\n0\r\n\r\n");
    match &out[0] {
      Parsed::Request(req) => assert_eq!(req.body, b"xyz"),
      other => panic!("unexpected {other:?}"),
    }
  }

  #[test]
  fn later_chunks_stream_and_the_next_request_follows_the_last() {
    let mut p = RequestParser::new();
    let head = b"PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n";
    let (used, r) = p.feed(head, &limits(), Hooks::default());
    assert_eq!(used, head.len());
    match r {
      Parsed::Streamed(req) => assert!(req.head.expect_continue && req.body.is_empty()),
      other => panic!("unexpected {other:?}"),
    }
    assert!(p.streaming());
    let out = feed_all(&mut p, b"3\r\nxyz\r\n2\r\nab\r\n0\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n");
    match &out[..] {
      [Parsed::BodyPart { data, last: true }, Parsed::Request(next)] => {
        assert_eq!(&data[..], b"xyzab");
        assert_eq!(next.head.target, "/next");
      }
      other => panic!("unexpected {other:?}"),
    }
    assert!(!p.streaming());
  }

  #[test]
  fn a_large_body_streams_in_the_pieces_it_arrives_in() {
    let limits = Limits { max_body: 1 << 30, max_head: 512, max_headers: 8 };
    let mut p = RequestParser::new();
    let len = WHOLE_BODY_MAX + 10;
    let head = format!("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {len}\r\n\r\nabc");
    let (used, r) = p.feed(head.as_bytes(), &limits, Hooks::default());
    assert_eq!(used, head.len());
    assert!(matches!(r, Parsed::Streamed(req) if req.body == b"abc"));
    let middle = vec![7u8; WHOLE_BODY_MAX as usize];
    let (used, r) = p.feed(&middle, &limits, Hooks::default());
    assert_eq!(used, middle.len());
    assert!(matches!(r, Parsed::BodyPart { ref data, last: false } if data.len() == middle.len()));
    let (used, r) = p.feed(b"1234567GET", &limits, Hooks::default());
    assert_eq!(used, 7);
    assert!(matches!(r, Parsed::BodyPart { ref data, last: true } if &data[..] == b"1234567"));
  }

  #[test]
  fn an_upgrade_stops_http_only_when_taken() {
    let wire = b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nraw bytes";
    let taken = Hooks { upgrade: true, ..Hooks::default() };
    let (used, r) = RequestParser::new().feed(wire, &limits(), taken);
    assert_eq!(used, wire.len() - 9);
    assert!(matches!(r, Parsed::Upgrade(req) if req.head.upgrade));
    // Not taken: an ordinary request; the connection stays for the next, and
    // the bytes buffered behind it are dropped (never a smuggled request).
    let (used, r) = RequestParser::new().feed(wire, &limits(), Hooks::default());
    assert_eq!(used, wire.len());
    assert!(matches!(r, Parsed::Request(req) if req.head.keep_alive));
    // CONNECT leaves HTTP either way.
    let wire = b"CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n";
    let (_, r) = RequestParser::new().feed(wire, &limits(), Hooks::default());
    assert!(matches!(r, Parsed::Upgrade(_)));
  }

  #[test]
  fn expectations_go_to_the_app_only_when_it_listens() {
    let wire = b"PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
    let (_, r) = RequestParser::new().feed(wire, &limits(), Hooks::default());
    assert!(matches!(r, Parsed::SendContinue));
    let hooks = Hooks { check_continue: true, ..Hooks::default() };
    let mut p = RequestParser::new();
    let (used, r) = p.feed(wire, &limits(), hooks);
    assert_eq!(used, wire.len());
    assert!(matches!(r, Parsed::Streamed(req) if req.head.continue_by_app));
    assert!(matches!(p.feed(b"abc", &limits(), hooks).1, Parsed::BodyPart { last: true, .. }));
    let tea = b"GET / HTTP/1.1\r\nHost: x\r\nExpect: tea\r\n\r\n";
    assert_eq!(status(&RequestParser::new().feed(tea, &limits(), Hooks::default()).1), 417);
    let hooks = Hooks { check_expectation: true, ..Hooks::default() };
    assert!(matches!(RequestParser::new().feed(tea, &limits(), hooks).1, Parsed::Request(req) if req.head.expectation));
  }
}
