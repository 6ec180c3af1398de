//! Byte classes of HTTP/1.1's grammar (RFC 9110 §5.6, RFC 9112), as one
//! lookup table shared by the request-head parser and the chunked decoder.

/// `tchar`: the bytes of a token (method, header name, chunk extension name).
const TOKEN: u8 = 1;
/// Bytes allowed in a header field value: HTAB, SP, VCHAR and obs-text.
const FIELD_VALUE: u8 = 2;
/// Bytes allowed in a request target: VCHAR only (no space, no control, no obs-text).
const TARGET: u8 = 4;
/// `qdtext` of a quoted string: HTAB, SP, VCHAR but `"` and `\`, and obs-text.
const QDTEXT: u8 = 8;

const fn classes() -> [u8; 256] {
  let mut table = [0u8; 256];
  let mut b = 0usize;
  while b < 256 {
    let c = b as u8;
    let vchar = c >= 0x21 && c <= 0x7e;
    let obs_text = c >= 0x80;
    let mut class = 0;
    if c.is_ascii_alphanumeric()
      || matches!(
        c,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
      )
    {
      class |= TOKEN;
    }
    if vchar || obs_text || c == b'\t' || c == b' ' {
      class |= FIELD_VALUE;
      if c != b'"' && c != b'\\' {
        class |= QDTEXT;
      }
    }
    if vchar {
      class |= TARGET;
    }
    table[b] = class;
    b += 1;
  }
  table
}

static CLASSES: [u8; 256] = classes();

#[inline]
pub fn is_token(b: u8) -> bool {
  CLASSES[b as usize] & TOKEN != 0
}

#[inline]
pub fn is_field_value(b: u8) -> bool {
  CLASSES[b as usize] & FIELD_VALUE != 0
}

#[inline]
pub fn is_target(b: u8) -> bool {
  CLASSES[b as usize] & TARGET != 0
}

#[inline]
pub fn is_qdtext(b: u8) -> bool {
  CLASSES[b as usize] & QDTEXT != 0
}

/// Optional white space (RFC 9110 §5.6.3).
#[inline]
pub fn is_ows(b: u8) -> bool {
  b == b' ' || b == b'\t'
}

/// The value of a hexadecimal digit.
#[inline]
pub fn hex_value(b: u8) -> Option<u64> {
  (b as char).to_digit(16).map(u64::from)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn classes_follow_the_rfc() {
    for b in b"GET-M_SEARCH.x~!#$%&'*+^`|".iter() {
      assert!(is_token(*b), "{}", *b as char);
    }
    for b in b" \t\"(),/:;<=>?@[\\]{}\x00\x7f\x80".iter() {
      assert!(!is_token(*b), "{b:#x}");
    }
    assert!(is_field_value(b'\t') && is_field_value(b' ') && is_field_value(0xe9));
    assert!(!is_field_value(0) && !is_field_value(b'\r') && !is_field_value(b'\n') && !is_field_value(0x7f));
    assert!(is_target(b'/') && is_target(b'~') && !is_target(b' ') && !is_target(0xe9) && !is_target(0x7f));
    assert!(is_qdtext(b' ') && !is_qdtext(b'"') && !is_qdtext(b'\\') && is_qdtext(0x80));
    assert_eq!(hex_value(b'f'), Some(15));
    assert_eq!(hex_value(b'G'), None);
  }
}
