//! mgnode's native addon: Mongoose on its own thread, bridged to JavaScript.
//!
//! The folders follow one request's path:
//! - [`engine`]: the Mongoose thread. It accepts connections, reads bytes,
//!   hands complete requests to a sink, and writes what JavaScript answers.
//! - [`http`]: HTTP/1.x on the engine's side: the strict request parser,
//!   chunked decoding, request bodies and the responses the engine writes itself.
//! - [`bridge`]: what crosses threads: the command channel and doorbell into
//!   the engine, the request sinks out of it, and the registry of managers.
//! - [`tls`]: TLS for `https://` listeners: rustls behind Mongoose's custom
//!   TLS hooks, and the pool that makes expensive handshakes off the engine thread.
//! - [`js`]: the classes and constants JavaScript sees (`Manager`,
//!   `Responder`, `EventSink`, the batch encoding).
//! - [`platform`]: what each operating system does its own way (the
//!   doorbell's sockets); the only place with `cfg(unix)`/`cfg(windows)`.

#![deny(clippy::all)]

/// mimalloc for the many small allocations of parsing, batching and commands.
/// Request bodies are the exception, see [`http::request_body`].
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bridge;
mod engine;
mod http;
pub mod js;
mod platform;
mod tls;
