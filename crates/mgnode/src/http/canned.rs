//! Bytes the engine writes on its own: interim and error responses, chunk framing.

pub const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// `"<hex size>\r\n"` before a chunk of `len` bytes.
pub fn chunk_prefix(len: usize) -> String {
  format!("{len:x}\r\n")
}

fn reason(status: u16) -> &'static str {
  match status {
    400 => "Bad Request",
    408 => "Request Timeout",
    413 => "Payload Too Large",
    417 => "Expectation Failed",
    431 => "Request Header Fields Too Large",
    502 => "Bad Gateway",
    503 => "Service Unavailable",
    _ => "Error",
  }
}

/// A complete response the engine sends before closing a connection it refuses.
pub fn error_response(status: u16) -> Vec<u8> {
  let text = reason(status);
  format!(
    "HTTP/1.1 {status} {text}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
    text.len()
  )
  .into_bytes()
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn error_response_is_well_formed() {
    let r = String::from_utf8(error_response(431)).unwrap();
    assert!(r.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
    assert!(r.contains("Content-Length: 31\r\n"));
    assert!(r.ends_with("\r\n\r\nRequest Header Fields Too Large"));
    assert_eq!(chunk_prefix(255), "ff\r\n");
  }
}
