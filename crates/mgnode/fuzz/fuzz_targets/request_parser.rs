//! The request parser must read a byte stream the same way however it is
//! split into reads (a difference is what request smuggling is made of),
//! never panic, and only hand out requests whose fields are clean.
#![no_main]

use libfuzzer_sys::fuzz_target;
use http::request_parser::{Limits, Parsed, RequestParser, Upgrades};

#[allow(dead_code)]
#[path = "../../src/http/mod.rs"]
mod http;
mod split;

/// What the parser made of a stream, with a streamed body gathered into its
/// request (whether a body streams depends on how the bytes were split).
#[derive(Debug, PartialEq)]
enum Seen {
  Request { method: String, target: String, minor: u8, headers: Vec<String>, body: Vec<u8>, complete: bool },
  Upgrade { target: String },
  Reject(u16),
}

fn limits() -> Limits {
  Limits { max_body: 4096, max_head: 2048, max_headers: 16 }
}

fn request(r: http::request_parser::ParsedRequest, complete: bool) -> Seen {
  let head = r.head;
  for field in [&head.method, &head.target].into_iter().chain(&head.raw_headers) {
    assert!(!field.contains(['\r', '\n', '\0']), "a field holds a line break or NUL: {field:?}");
  }
  Seen::Request {
    method: head.method,
    target: head.target,
    minor: head.minor,
    headers: head.raw_headers,
    body: r.body.to_vec(),
    complete,
  }
}

/// Feeds the pieces as the engine does: parse what is buffered until the
/// parser needs more, consuming what it used.
fn run(pieces: &[&[u8]]) -> Vec<Seen> {
  let mut parser = RequestParser::new();
  let mut buffered: Vec<u8> = Vec::new();
  let mut seen = Vec::new();
  // Upgrades are taken, so an upgrade request ends HTTP on the connection.
  let upgrades = Upgrades { upgrade: true, connect: true };
  for piece in pieces {
    buffered.extend_from_slice(piece);
    loop {
      let (used, outcome) = parser.feed(&buffered, &limits(), upgrades);
      assert!(used <= buffered.len());
      buffered.drain(..used);
      match outcome {
        Parsed::More if used == 0 => break,
        Parsed::More | Parsed::SendContinue => {}
        Parsed::Request(r) => seen.push(request(r, true)),
        Parsed::Streamed(r) => seen.push(request(r, false)),
        Parsed::BodyPart { data, last } => match seen.last_mut() {
          Some(Seen::Request { body, complete, .. }) if !*complete => {
            body.extend_from_slice(&data);
            *complete = last;
          }
          other => panic!("a body part without a streaming request: {other:?}"),
        },
        Parsed::Upgrade(r) => {
          seen.push(Seen::Upgrade { target: r.head.target });
          return seen;
        }
        Parsed::Reject(status) => {
          // A streamed request whose body then failed was aborted: the same,
          // to its client and app, as one refused before it was handed out
          // (which is what happens when the bytes come in one read).
          if matches!(seen.last(), Some(Seen::Request { complete: false, .. })) {
            seen.pop();
          }
          seen.push(Seen::Reject(status));
          return seen;
        }
      }
    }
  }
  seen
}

fuzz_target!(|data: &[u8]| {
  let (pieces, wire) = split::pieces(data);
  let whole = run(&[wire]);
  let split = run(&pieces);
  assert_eq!(whole, split, "the same bytes parsed differently when split");
});
