//! mgnode's native addon: Mongoose on its own thread, bridged to JavaScript.
//!
//! - [`manager::Manager`] owns the thread and is the JavaScript entry point;
//!   [`responder::Responder`] writes responses to it from any thread.
//! - [`engine`] is that thread: HTTP parsing, dispatch, responses, timeouts.
//! - [`sink`] carries requests to JavaScript threads, [`doorbell`] commands back.

#![deny(clippy::all)]

mod chunked;
mod command;
mod conn;
mod doorbell;
mod engine;
mod file_body;
pub mod events;
pub mod manager;
mod parser;
mod registry;
pub mod responder;
mod response;
mod sink;
