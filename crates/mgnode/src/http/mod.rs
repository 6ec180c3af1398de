//! HTTP/1.x as the engine speaks it: strict request parsing (every refusal
//! has a status code), chunked decoding, request bodies, and the few
//! responses the engine writes on its own.

pub mod canned;
pub mod chunked;
pub mod request_body;
pub mod request_head;
pub mod request_parser;
pub mod syntax;
