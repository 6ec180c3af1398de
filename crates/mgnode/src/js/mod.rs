//! What JavaScript sees: the napi classes and functions, and the encoding of
//! the event batches they hand over.

pub mod event_batch;
pub mod event_sink;
pub mod manager;
pub mod responder;
pub mod tls;
