//! mgnode's native addon: Mongoose on its own thread, bridged to JavaScript.
//!
//! - [`manager::Manager`] owns the thread and is the JavaScript entry point;
//!   [`responder::Responder`] writes responses to it from any thread.
//! - [`engine`] is that thread: HTTP parsing, dispatch, responses, timeouts.
//! - [`sink`] carries requests to JavaScript threads, [`doorbell`] commands back.

#![deny(clippy::all)]

/// mimalloc for the many small allocations of parsing, batching and commands
/// (hello world over a plain listener: ~8% faster than with glibc's malloc).
/// Request bodies are the exception, see [`body`].
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod batch;
mod body;
mod chunked;
mod command;
mod conn;
mod connection;
mod doorbell;
mod engine;
pub mod events;
mod file_body;
mod listener;
pub mod manager;
mod outbox;
mod parser;
mod payload;
mod registry;
pub mod responder;
mod response;
mod sink;
