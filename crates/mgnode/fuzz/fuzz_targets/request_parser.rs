//! The request parser must read a byte stream the same way however it is
//! split into reads (a difference is what request smuggling is made of),
//! never panic, and only hand out requests whose fields are clean.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mgnode::http::request_parser::{Limits, Parsed, RequestParser};

mod split;

#[derive(Debug, PartialEq)]
enum Seen {
  Request { method: String, target: String, minor: u8, headers: Vec<String>, body: Vec<u8> },
  Reject(u16),
}

fn limits() -> Limits {
  Limits { max_body: 4096, max_head: 2048, max_headers: 16 }
}

/// Feeds the pieces as the engine does: parse what is buffered until the
/// parser needs more, consuming what it used.
fn run(pieces: &[&[u8]]) -> Vec<Seen> {
  let mut parser = RequestParser::new();
  let mut buffered: Vec<u8> = Vec::new();
  let mut seen = Vec::new();
  for piece in pieces {
    buffered.extend_from_slice(piece);
    loop {
      let (used, outcome) = parser.feed(&buffered, &limits());
      assert!(used <= buffered.len());
      buffered.drain(..used);
      match outcome {
        Parsed::More if used == 0 => break,
        Parsed::More | Parsed::SendContinue => {}
        Parsed::Request(r) => {
          let head = r.head;
          for field in [&head.method, &head.target].into_iter().chain(&head.raw_headers) {
            assert!(!field.contains(['\r', '\n', '\0']), "a field holds a line break or NUL: {field:?}");
          }
          seen.push(Seen::Request {
            method: head.method,
            target: head.target,
            minor: head.minor,
            headers: head.raw_headers,
            body: r.body.to_vec(),
          });
        }
        Parsed::Reject(status) => {
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
