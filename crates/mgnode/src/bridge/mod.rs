//! What crosses between JavaScript threads and the Mongoose thread.
//!
//! Into the engine: [`command::Command`]s on a channel, with a doorbell
//! ([`loop_handle::LoopHandle`]). Out of it: events queued on a
//! [`request_sink::RequestSink`] per JavaScript thread, which rings that
//! thread once per batch. Threads name connections by id, never by pointer.

pub mod command;
pub mod loop_handle;
pub mod registry;
pub mod request_sink;
