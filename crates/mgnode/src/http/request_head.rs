//! The request head — request line and header fields — parsed strictly and
//! incrementally.
//!
//! Strict: every refusal that node:http (llhttp in its default, strict mode)
//! makes, this parser makes too, so a byte stream can never be framed one way
//! by mgnode and another way by a proxy in front of it (request smuggling).
//! Line ends are CRLF only; methods are the ones Node knows; targets and field
//! values take only the bytes RFC 9112 allows; obs-fold, whitespace before a
//! colon, and any ambiguous body length are refused.
//!
//! Incremental: the bytes of a head stay in the connection's receive buffer,
//! at the same offsets, until the head is complete, so the parser remembers
//! how far it has checked and looks at every byte once, however the head is
//! split across reads. An invalid byte is refused as soon as it arrives.

use std::ops::Range;

use super::syntax::{is_field_value, is_ows, is_target, is_token};

/// Limits of one listener.
#[derive(Debug, Clone)]
pub struct Limits {
  pub max_body: u64,
  pub max_head: usize,
  pub max_headers: usize,
}

/// How the body of a request is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
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
  /// `Expect: 100-continue` (HTTP/1.1 only, as node:http reads it).
  pub expect_continue: bool,
  /// Another `Expect` value (HTTP/1.1): 417 unless the app listens for it.
  pub expectation: bool,
  /// The app decides whether to send `100 Continue` ('checkContinue'); set
  /// by the request parser, which knows what the app listens for.
  pub continue_by_app: bool,
  /// It asks to take the connection over: `CONNECT`, or `Connection: upgrade`
  /// with an `Upgrade` header (what makes llhttp report an upgrade).
  pub upgrade: bool,
}

/// The methods node:http accepts (`http.METHODS`); others get 400 there.
const METHODS: &[&[u8]] = &[
  b"ACL",
  b"BIND",
  b"CHECKOUT",
  b"CONNECT",
  b"COPY",
  b"DELETE",
  b"GET",
  b"HEAD",
  b"LINK",
  b"LOCK",
  b"M-SEARCH",
  b"MERGE",
  b"MKACTIVITY",
  b"MKCALENDAR",
  b"MKCOL",
  b"MOVE",
  b"NOTIFY",
  b"OPTIONS",
  b"PATCH",
  b"POST",
  b"PROPFIND",
  b"PROPPATCH",
  b"PURGE",
  b"PUT",
  b"QUERY",
  b"REBIND",
  b"REPORT",
  b"SEARCH",
  b"SOURCE",
  b"SUBSCRIBE",
  b"TRACE",
  b"UNBIND",
  b"UNLINK",
  b"UNLOCK",
  b"UNSUBSCRIBE",
];
const LONGEST_METHOD: usize = 11;

/// Where the parser is in the head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
  /// Before the request line; empty lines (CRLF) there are skipped.
  Start,
  StartLf,
  Method,
  Target,
  /// Matching `HTTP/1.` one byte at a time; the number is how many matched.
  Version(u8),
  Minor,
  RequestLineCr,
  RequestLineLf,
  FieldStart,
  Name,
  ValueStart,
  Value,
  FieldLf,
  EndLf,
}

/// Incremental parser of one request head at a time.
pub struct HeadParser {
  state: State,
  /// How many bytes of the buffer have been checked.
  pos: usize,
  /// Where the current method, target, name or value started.
  mark: usize,
  method: Range<usize>,
  target: Range<usize>,
  minor: u8,
  name: Range<usize>,
  /// Header fields so far, as ranges of the buffer (kept between requests for its capacity).
  fields: Vec<(Range<usize>, Range<usize>)>,
  /// What the fields that frame the body say so far, checked as each arrives (see `framing_field`).
  framing: FramingSoFar,
  /// Where the target is in an absolute-form prefix (`scheme://`).
  scheme: Scheme,
}

/// The start of an absolute-form target, checked byte by byte as llhttp
/// does: letters, then `://` (`h2://x` and `http:/x` are refused at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
  Name,
  Colon,
  Slash,
  /// Past `://`, or not an absolute-form target.
  Done,
}

/// Which framing field the current field line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum FramingField {
  #[default]
  None,
  ContentLength,
  TransferEncoding,
}

/// The framing fields of the head being read. A bad or conflicting one is
/// refused as soon as it arrives rather than at the end of the head, as llhttp
/// refuses most of them (a bad Content-Length byte, Content-Length with
/// Transfer-Encoding, a coding after chunked): a client that sends one and
/// stops gets its 400 then, not after a timeout.
#[derive(Default)]
struct FramingSoFar {
  current: FramingField,
  length_seen: bool,
  coding_seen: bool,
  /// White space followed the current Content-Length's digits: only more may come.
  length_ended: bool,
  /// Digits of the current Content-Length so far (more than 19 are refused, as `parse_content_length` does).
  length_digits: u8,
  /// The Transfer-Encoding codings of the lines so far, and of the current
  /// line up to its last comma; the current coding starts at `coding_start`.
  coding: TransferCoding,
  coding_start: usize,
}

impl HeadParser {
  pub fn new() -> Self {
    HeadParser {
      state: State::Start,
      pos: 0,
      mark: 0,
      method: 0..0,
      target: 0..0,
      minor: 1,
      name: 0..0,
      fields: Vec::new(),
      framing: FramingSoFar::default(),
      scheme: Scheme::Done,
    }
  }

  /// Parses on from where the last call stopped. `buf` must hold the same
  /// bytes as before at the same offsets, and maybe more. `Ok(None)`: the head
  /// is not complete yet. `Ok(Some)`: the head and how many bytes it used
  /// (the parser is then ready for the next request, at offset 0 of what
  /// follows). `Err`: the status to refuse the request with.
  pub fn parse(&mut self, buf: &[u8], limits: &Limits) -> Result<Option<(usize, Head, Framing)>, u16> {
    let outcome = self.scan(buf, limits);
    match outcome {
      Ok(true) if self.pos > limits.max_head => {
        self.reset();
        Err(431)
      }
      Ok(true) => {
        let used = self.pos;
        let done = self.finish(buf, limits);
        self.reset();
        done.map(|(head, framing)| Some((used, head, framing)))
      }
      Ok(false) if self.pos > limits.max_head => {
        self.reset();
        Err(431)
      }
      Ok(false) => Ok(None),
      Err(status) => {
        self.reset();
        Err(status)
      }
    }
  }

  fn reset(&mut self) {
    self.state = State::Start;
    self.pos = 0;
    self.mark = 0;
    self.fields.clear();
    self.framing = FramingSoFar::default();
  }

  /// A field name ended: a second Content-Length, or Content-Length with
  /// Transfer-Encoding, is refused now (`finish` would refuse them too).
  fn framing_field(&mut self, name: &[u8]) -> Result<(), u16> {
    let f = &mut self.framing;
    f.current = if name.eq_ignore_ascii_case(b"content-length") {
      if f.length_seen || f.coding_seen {
        return Err(400);
      }
      f.length_seen = true;
      f.length_ended = false;
      f.length_digits = 0;
      FramingField::ContentLength
    } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
      if f.length_seen {
        return Err(400);
      }
      f.coding_seen = true;
      FramingField::TransferEncoding
    } else {
      FramingField::None
    };
    Ok(())
  }

  /// A byte of a Content-Length value: up to 19 digits, then only white space.
  fn length_byte(&mut self, b: u8) -> Result<(), u16> {
    let f = &mut self.framing;
    let digit = b.is_ascii_digit();
    if !(digit || is_ows(b)) || (digit && f.length_ended) {
      return Err(400);
    }
    f.length_ended |= !digit;
    f.length_digits += u8::from(digit);
    if f.length_digits > 19 {
      return Err(400);
    }
    Ok(())
  }

  /// A byte of a Transfer-Encoding value at `pos`: each coding is added as
  /// its comma comes, and one starting after `chunked` is refused at its
  /// first byte (nothing may follow chunked).
  fn coding_byte(&mut self, buf: &[u8], pos: usize) -> Result<(), u16> {
    let f = &mut self.framing;
    let b = buf[pos];
    if b == b',' {
      f.coding.add(&buf[f.coding_start..pos])?;
      f.coding_start = pos + 1;
    } else if !is_ows(b) && f.coding.chunked_last && buf[f.coding_start..pos].iter().all(|&c| is_ows(c)) {
      return Err(400);
    }
    Ok(())
  }

  /// A field line ended with the value `buf[value]`: an empty
  /// Content-Length, or a Transfer-Encoding that nothing after it can make
  /// valid, is refused now.
  fn framing_value(&mut self, buf: &[u8], value: Range<usize>) -> Result<(), u16> {
    let f = &mut self.framing;
    match f.current {
      FramingField::ContentLength if value.is_empty() => Err(400),
      FramingField::TransferEncoding => f.coding.add(&buf[f.coding_start.clamp(value.start, value.end)..value.end]),
      _ => Ok(()),
    }
  }

  /// Checks bytes from `self.pos`; true once the empty line ending the head is read.
  fn scan(&mut self, buf: &[u8], limits: &Limits) -> Result<bool, u16> {
    // Only the head's bytes count against the limit: look no further than one past it.
    let end = buf.len().min(limits.max_head.saturating_add(1));
    let mut pos = self.pos;
    while pos < end {
      let b = buf[pos];
      match self.state {
        State::Start => match b {
          b'\r' => self.state = State::StartLf,
          _ if starts_a_method(&[b]) => {
            self.mark = pos;
            self.state = State::Method;
          }
          _ => return Err(400),
        },
        State::StartLf => {
          if b != b'\n' {
            return Err(400);
          }
          self.state = State::Start;
        }
        State::Method => {
          if b == b' ' {
            let method = &buf[self.mark..pos];
            if !METHODS.contains(&method) {
              return Err(400);
            }
            self.method = self.mark..pos;
            self.mark = pos + 1;
            self.state = State::Target;
          } else if pos - self.mark >= LONGEST_METHOD || !starts_a_method(&buf[self.mark..=pos]) {
            // As llhttp, refused at the first byte no method can continue with, not at the space.
            return Err(400);
          }
        }
        State::Target if pos == self.mark || self.scheme != Scheme::Done && b != b' ' => {
          let method = &buf[self.method.clone()];
          let first = pos == self.mark;
          if first && !may_start_target(method, b) {
            return Err(400);
          }
          self.scheme = match self.scheme {
            _ if first => {
              if method != b"CONNECT" && b.is_ascii_alphabetic() {
                Scheme::Name
              } else {
                Scheme::Done
              }
            }
            Scheme::Name if b.is_ascii_alphabetic() => Scheme::Name,
            Scheme::Name if b == b':' => Scheme::Colon,
            Scheme::Colon if b == b'/' => Scheme::Slash,
            Scheme::Slash if b == b'/' => Scheme::Done,
            _ => return Err(400),
          };
        }
        State::Target => {
          let run = buf[pos..end].iter().position(|&c| !is_target(c)).unwrap_or(end - pos);
          pos += run;
          if pos == end {
            break;
          }
          if buf[pos] != b' ' || !valid_target(&buf[self.method.clone()], &buf[self.mark..pos]) {
            return Err(400);
          }
          self.target = self.mark..pos;
          self.state = State::Version(0);
        }
        State::Version(matched) => {
          if b != b"HTTP/1."[matched as usize] {
            return Err(400);
          }
          self.state = if matched == 6 { State::Minor } else { State::Version(matched + 1) };
        }
        State::Minor => {
          self.minor = match b {
            b'0' => 0,
            b'1' => 1,
            _ => return Err(400),
          };
          self.state = State::RequestLineCr;
        }
        State::RequestLineCr => {
          if b != b'\r' {
            return Err(400);
          }
          self.state = State::RequestLineLf;
        }
        State::RequestLineLf | State::FieldLf => {
          if b != b'\n' {
            return Err(400);
          }
          self.state = State::FieldStart;
        }
        State::FieldStart => match b {
          b'\r' => self.state = State::EndLf,
          _ if is_token(b) => {
            if self.fields.len() >= limits.max_headers {
              return Err(431);
            }
            self.mark = pos;
            self.state = State::Name;
          }
          // A line starting with white space is obs-fold: refused, as node:http does.
          _ => return Err(400),
        },
        State::Name => {
          let run = buf[pos..end].iter().position(|&c| !is_token(c)).unwrap_or(end - pos);
          pos += run;
          if pos == end {
            break;
          }
          if buf[pos] != b':' {
            return Err(400);
          }
          self.name = self.mark..pos;
          self.framing_field(&buf[self.mark..pos])?;
          self.state = State::ValueStart;
        }
        State::ValueStart => {
          if b == b'\r' {
            self.framing_value(buf, pos..pos)?;
            self.fields.push((self.name.clone(), pos..pos));
            self.state = State::FieldLf;
          } else if !is_ows(b) {
            if !is_field_value(b) {
              return Err(400);
            }
            match self.framing.current {
              FramingField::ContentLength => self.length_byte(b)?,
              FramingField::TransferEncoding => {
                self.framing.coding_start = pos;
                self.coding_byte(buf, pos)?;
              }
              FramingField::None => {}
            }
            self.mark = pos;
            self.state = State::Value;
          }
        }
        State::Value if self.framing.current == FramingField::ContentLength && b != b'\r' => {
          self.length_byte(b)?;
        }
        State::Value if self.framing.current == FramingField::TransferEncoding && b != b'\r' => {
          if !is_field_value(b) {
            return Err(400);
          }
          self.coding_byte(buf, pos)?;
        }
        State::Value => {
          let run = buf[pos..end].iter().position(|&c| !is_field_value(c)).unwrap_or(end - pos);
          pos += run;
          if pos == end {
            break;
          }
          if buf[pos] != b'\r' {
            return Err(400);
          }
          let mut value_end = pos;
          while value_end > self.mark && is_ows(buf[value_end - 1]) {
            value_end -= 1;
          }
          self.framing_value(buf, self.mark..value_end)?;
          self.fields.push((self.name.clone(), self.mark..value_end));
          self.state = State::FieldLf;
        }
        State::EndLf => {
          if b != b'\n' {
            return Err(400);
          }
          self.pos = pos + 1;
          return Ok(true);
        }
      }
      pos += 1;
    }
    self.pos = pos;
    Ok(false)
  }

  /// Builds the head from the fields read, and decides how its body is framed.
  fn finish(&self, buf: &[u8], limits: &Limits) -> Result<(Head, Framing), u16> {
    let minor = self.minor;
    let mut content_length: Option<u64> = None;
    let mut te = TransferCoding::default();
    let mut conn_close = false;
    let mut conn_keep_alive = false;
    let mut expect_continue = false;
    let mut expectation = false;
    let mut has_host = false;
    let mut conn_upgrade = false;
    let mut has_upgrade = false;
    let mut raw_headers = Vec::with_capacity(self.fields.len() * 2);
    for (name, value) in &self.fields {
      let (name, value) = (&buf[name.clone()], &buf[value.clone()]);
      if name.eq_ignore_ascii_case(b"content-length") {
        // Any second Content-Length is refused, even an equal one, as node:http does.
        if content_length.is_some() {
          return Err(400);
        }
        content_length = Some(parse_content_length(value)?);
      } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
        te.add(value)?;
      } else if name.eq_ignore_ascii_case(b"connection") {
        conn_close |= has_token(value, b"close");
        conn_keep_alive |= has_token(value, b"keep-alive");
        conn_upgrade |= has_token(value, b"upgrade");
      } else if name.eq_ignore_ascii_case(b"expect") {
        if value.eq_ignore_ascii_case(b"100-continue") {
          expect_continue = true;
        } else {
          expectation = true;
        }
      } else if name.eq_ignore_ascii_case(b"host") {
        has_host = true;
      } else if name.eq_ignore_ascii_case(b"upgrade") {
        has_upgrade = true;
      }
      raw_headers.push(latin1(name));
      raw_headers.push(latin1(value));
    }
    // Request smuggling defences: a body length must be unambiguous.
    if te.present && (content_length.is_some() || !te.chunked_last || minor == 0) {
      return Err(400);
    }
    if minor == 1 && !has_host {
      return Err(400);
    }
    let framing = if te.present { Framing::Chunked } else { Framing::Length(content_length.unwrap_or(0)) };
    if let Framing::Length(n) = framing {
      if n > limits.max_body {
        return Err(413);
      }
    }
    let keep_alive = if minor == 1 { !conn_close } else { conn_keep_alive && !conn_close };
    let method = &buf[self.method.clone()];
    let upgrade = method == b"CONNECT" || (conn_upgrade && has_upgrade);
    let head = Head {
      method: latin1(method),
      target: latin1(&buf[self.target.clone()]),
      minor,
      raw_headers,
      keep_alive,
      expect_continue: expect_continue && minor == 1,
      expectation: expectation && minor == 1,
      continue_by_app: false,
      upgrade,
    };
    Ok((head, framing))
  }
}

/// Whether some method node:http knows starts with `prefix`.
fn starts_a_method(prefix: &[u8]) -> bool {
  METHODS.iter().any(|m| m.starts_with(prefix))
}

/// Whether a target of this method may start with `first`: as `valid_target`
/// would have it once the target is complete, decided at once as llhttp does.
fn may_start_target(method: &[u8], first: u8) -> bool {
  first == b'/' || first == b'*' || first.is_ascii_alphabetic() || (method == b"CONNECT" && is_target(first))
}

/// Whether a target has a form RFC 9112 §3.2 allows for this method.
fn valid_target(method: &[u8], target: &[u8]) -> bool {
  match target.first() {
    None => false,
    Some(b'/') => true,
    _ if target == b"*" => method == b"OPTIONS",
    _ if method == b"CONNECT" => true,
    // absolute-form: a scheme of letters only, then "://" (as llhttp reads
    // it: `host:80`, `h2://x` are not one).
    Some(c) if c.is_ascii_alphabetic() => {
      let scheme = target.iter().position(|&c| !c.is_ascii_alphabetic());
      matches!(scheme, Some(at) if target[at..].starts_with(b"://"))
    }
    _ => false,
  }
}

/// `1*DIGIT`, as node:http reads it (leading zeros allowed, nothing else).
fn parse_content_length(value: &[u8]) -> Result<u64, u16> {
  if value.is_empty() || value.len() > 19 || !value.iter().all(u8::is_ascii_digit) {
    return Err(400);
  }
  value.iter().try_fold(0u64, |n, &d| n.checked_mul(10)?.checked_add(u64::from(d - b'0'))).ok_or(400)
}

/// The transfer codings of a request, over all its Transfer-Encoding fields.
#[derive(Default)]
struct TransferCoding {
  present: bool,
  /// `chunked` was seen (it may appear once only).
  chunked_seen: bool,
  /// The last coding so far is `chunked`.
  chunked_last: bool,
}

impl TransferCoding {
  fn add(&mut self, value: &[u8]) -> Result<(), u16> {
    self.present = true;
    for coding in value.split(|&b| b == b',') {
      let coding = coding.trim_ascii();
      if coding.is_empty() {
        // An empty element after chunked leaves it not last, as llhttp reads it.
        if self.chunked_last {
          return Err(400);
        }
        continue;
      }
      // Parameters (`gzip;q=1`) are allowed on other codings, never on chunked.
      let name = coding.split(|&b| b == b';').next().unwrap_or(b"").trim_ascii();
      let chunked = name.eq_ignore_ascii_case(b"chunked");
      if chunked && (self.chunked_seen || name.len() != coding.len()) {
        return Err(400);
      }
      // Nothing may follow chunked: the body could not be delimited.
      if self.chunked_last {
        return Err(400);
      }
      self.chunked_seen |= chunked;
      self.chunked_last = chunked;
    }
    Ok(())
  }
}

/// Converts header bytes to a string the way Node does (latin1), cheaply for ASCII.
fn latin1(bytes: &[u8]) -> String {
  match std::str::from_utf8(bytes) {
    Ok(text) if bytes.is_ascii() => text.to_owned(),
    _ => bytes.iter().map(|&b| b as char).collect(),
  }
}

fn has_token(value: &[u8], token: &[u8]) -> bool {
  value.split(|&b| b == b',').any(|t| t.trim_ascii().eq_ignore_ascii_case(token))
}

#[cfg(test)]
mod tests {
  use super::*;

  fn limits() -> Limits {
    Limits { max_body: 1024, max_head: 512, max_headers: 8 }
  }

  fn parse_all(wire: &[u8]) -> Result<Option<(usize, Head, Framing)>, u16> {
    HeadParser::new().parse(wire, &limits())
  }

  /// Feeds `wire` one byte more at a time, as a slow client would send it.
  fn parse_bytewise(wire: &[u8]) -> Result<Option<(usize, Head, Framing)>, u16> {
    let mut p = HeadParser::new();
    for end in 1..wire.len() {
      if let Some(done) = p.parse(&wire[..end], &limits())? {
        return Ok(Some(done));
      }
    }
    p.parse(wire, &limits())
  }

  #[test]
  fn reads_a_head_whole_and_byte_by_byte() {
    let wire = b"\r\nPOST /a?b=1 HTTP/1.1\r\nHost: x\r\nX-Long:  a b\t \r\nEmpty:\r\nContent-Length: 007\r\n\r\nbody";
    for result in [parse_all(wire), parse_bytewise(wire)] {
      let (used, head, framing) = result.unwrap().unwrap();
      assert_eq!(used, wire.len() - 4);
      assert_eq!(head.method, "POST");
      assert_eq!(head.target, "/a?b=1");
      assert_eq!(head.minor, 1);
      assert_eq!(head.raw_headers, ["Host", "x", "X-Long", "a b", "Empty", "", "Content-Length", "007"]);
      assert_eq!(framing, Framing::Length(7));
      assert!(head.keep_alive);
    }
  }

  #[test]
  fn accepts_what_node_accepts() {
    let ok: &[&[u8]] = &[
      b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
      b"GET http://x/y HTTP/1.1\r\nHost: x\r\n\r\n",
      b"CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n",
      b"GET / HTTP/1.0\r\n\r\n",
      b"M-SEARCH / HTTP/1.1\r\nHost: x\r\nX: caf\xe9\r\n\r\n",
      b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
      b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: CHUNKED\r\n\r\n",
    ];
    for wire in ok {
      assert!(matches!(parse_all(wire), Ok(Some(_))), "{}", String::from_utf8_lossy(wire));
    }
  }

  #[test]
  fn refuses_what_node_refuses() {
    let cases: &[(&[u8], u16)] = &[
      (b"GET / HTTP/1.1\nHost: x\r\n\r\n", 400),
      (b"GET / HTTP/1.1\r\nHost: x\n\r\n", 400),
      (b"GET / HTTP/1.1\r\nHost: x\r\n\n", 400),
      (b"\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
      (b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
      (b"get / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
      (b"GET / HTTP/1.2\r\nHost: x\r\n\r\n", 400),
      (b"GET / http/1.1\r\nHost: x\r\n\r\n", 400),
      (b"GET / HTTP/1.1 \r\nHost: x\r\n\r\n", 400),
      (b"GET /\xe9 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
      (b"GET /a\tb HTTP/1.1\r\nHost: x\r\n\r\n", 400),
      (b"GET x HTTP/1.1\r\nHost: x\r\n\r\n", 400),
      (b"GET / HTTP/1.1\r\n\r\n", 400),
      (b"GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", 400),
      (b"GET / HTTP/1.1\r\nHost: x\r\nX : 1\r\n\r\n", 400),
      (b"GET / HTTP/1.1\r\nHost: x\r\n: 1\r\n\r\n", 400),
      (b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x7fb\r\n\r\n", 400),
      (b"GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n", 400),
      (b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", 400),
      (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 1\r\n\r\n", 400),
      (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\n", 400),
      (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", 400),
      (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", 400),
      (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400),
      (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
      (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),
      (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n", 400),
      (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked,\r\n\r\n", 400),
      (b"GET x:80 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
      (b"GET h2://x/ HTTP/1.1\r\nHost: x\r\n\r\n", 400),
      (b"GET a+b://x/ HTTP/1.1\r\nHost: x\r\n\r\n", 400),
      (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400),
      (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n", 413),
      (b"GET / HTTP/1.1\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\nF: 1\r\nG: 1\r\nH: 1\r\nI: 1\r\n\r\n", 431),
    ];
    for (wire, want) in cases {
      assert_eq!(parse_all(wire).err(), Some(*want), "{}", String::from_utf8_lossy(wire));
      assert_eq!(parse_bytewise(wire).err(), Some(*want), "bytewise {}", String::from_utf8_lossy(wire));
    }
    assert_eq!(parse_all(&[b'a'; 600]).err(), Some(400));
    let mut long = b"GET /".to_vec();
    long.extend([b'a'; 600]);
    assert_eq!(parse_all(&long).err(), Some(431));
  }

  #[test]
  fn refuses_at_the_first_bad_byte_without_waiting_for_the_rest() {
    let mut p = HeadParser::new();
    assert_eq!(p.parse(b"GET / HTTP/1.1\r\nHost: x\r\nBad Name", &limits()).err(), Some(400));
    let mut p = HeadParser::new();
    assert_eq!(p.parse(b"GET / HTTP/1.1\n", &limits()).err(), Some(400));
    let mut p = HeadParser::new();
    assert_eq!(p.parse(b"XYZZY ", &limits()).err(), Some(400));
    let mut p = HeadParser::new();
    assert!(p.parse(b"GET / HTTP/1.1\r\nHost: x\r\nGood: v", &limits()).unwrap().is_none());
  }

  #[test]
  fn refuses_a_bad_or_conflicting_framing_field_as_soon_as_it_arrives() {
    let head = |rest: &str| format!("POST / HTTP/1.1\r\nHost: x\r\n{rest}").into_bytes();
    for rest in [
      "Content-Length: +",
      "Content-Length: 1e",
      "Content-Length: 0x",
      "Content-Length: 5 5",
      "Content-Length: 99999999999999999999",
      "Content-Length:\r",
      "Content-Length: 4\r\nTransfer-Encoding:",
      "Transfer-Encoding: chunked\r\nContent-Length:",
      "Content-Length: 1\r\ncontent-length:",
      "Transfer-Encoding: chunked, g",
      "Transfer-Encoding: chunked,,",
      "Transfer-Encoding: chunked\r\nTransfer-Encoding: c",
      "Transfer-Encoding: gzip, chunked, chunked\r",
    ] {
      let wire = head(rest);
      assert_eq!(HeadParser::new().parse(&wire, &limits()).err(), Some(400), "{rest:?}");
      assert_eq!(parse_bytewise(&wire).err(), Some(400), "bytewise {rest:?}");
    }
    for rest in [
      "Content-Length: 05 ",
      "Content-Length:5\t\r\n",
      "Transfer-Encoding: gzip\r\n",
      "Transfer-Encoding: chunked\r\nX: 1",
      "Transfer-Encoding: gzip, chunked ",
      "Transfer-Encoding: chunkedx, gzip",
      "Transfer-Encoding: gzip;q=1,",
    ] {
      assert!(HeadParser::new().parse(&head(rest), &limits()).unwrap().is_none(), "{rest:?}");
    }
    // A parser reused for the next request starts afresh.
    let mut p = HeadParser::new();
    let first = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n";
    assert!(p.parse(first, &limits()).unwrap().is_some());
    assert!(p.parse(first, &limits()).unwrap().is_some());
  }

  #[test]
  fn refuses_a_method_or_target_as_soon_as_no_valid_one_can_follow() {
    for wire in
      [&b"pOS"[..], b"GEX", b"POST 0", b"GET %", b"OPTIONS ?", b"GET f6", b"GET h2", b"GET http:x", b"GET http:/x"]
    {
      assert_eq!(HeadParser::new().parse(wire, &limits()).err(), Some(400), "{}", String::from_utf8_lossy(wire));
    }
    for wire in [
      &b"PO"[..],
      b"M-SEA",
      b"GET h",
      b"GET http:/",
      b"GET http://x",
      b"OPTIONS *",
      b"CONNECT 1",
      b"CONNECT h2:1",
      b"GET /",
    ] {
      assert!(HeadParser::new().parse(wire, &limits()).unwrap().is_none(), "{}", String::from_utf8_lossy(wire));
    }
  }
}
