//! mgnode's native addon: Mongoose on its own thread, bridged to JavaScript.
//!
//! - [`manager::Manager`] owns the thread and is the JavaScript entry point;
//!   [`responder::Responder`] writes responses to it from any thread.
//! - [`engine`] is that thread: HTTP parsing, dispatch, responses, timeouts.
//! - [`sink`] carries requests to JavaScript threads, [`doorbell`] commands back.

#![deny(clippy::all)]

/// Response bodies are allocated on JavaScript threads and freed on the
/// Mongoose thread; mimalloc keeps such buffers' pages mapped and reuses them
/// across threads, where the system allocator maps and zeroes fresh pages for
/// every large body.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod batch;
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
