//! `EventSink`: the JavaScript side of a [`RequestSink`].

use std::sync::Arc;

use napi::bindgen_prelude::{Array, BufferSlice, Float64Array};
use napi::{Env, Result};
use napi_derive::napi;

use crate::bridge::request_sink::RequestSink;
#[allow(unused_imports)] // named in the docs
use crate::bridge::request_sink::ServerHook;
use crate::http::request_body::Body;
use crate::js::event_batch::EventBatch;

/// Where one JavaScript thread takes the engine's events for a listener.
/// Its callback (given to `listen`) is called with no arguments whenever
/// events are waiting; call `takeEvents()` then.
#[napi]
pub struct EventSink {
  pub(crate) sink: Arc<RequestSink>,
  pub(crate) listener_id: u64,
}

#[napi]
impl EventSink {
  /// Id of the listener this sink belongs to.
  #[napi(getter)]
  pub fn listener_id(&self) -> i64 {
    self.listener_id as i64
  }

  /// Process-wide id of this sink (for `Manager.detachSink`).
  #[napi(getter)]
  pub fn sink_id(&self) -> i64 {
    self.sink.id() as i64
  }

  /// The server events this thread's app listens for, as [`ServerHook`]
  /// bits: node:http lets them decide how upgrade, CONNECT and `Expect`
  /// requests are handled, so the engine must know them before it hands such
  /// a request out.
  #[napi]
  pub fn set_hooks(&self, hooks: u32) {
    self.sink.set_hooks(hooks);
  }

  /// Takes every event queued since the last call as
  /// `[text, numbers, ...bodies]` (see [`crate::js::event_batch::EventBatch`] for the
  /// layout and `dispatch.ts` for the reader), or `null` when there is none.
  /// After the callback rings, call it until it returns `null` (a later turn
  /// of the event loop may do so): until then the engine does not ring again.
  #[napi(ts_return_type = "[string, Float64Array, ...Buffer[]] | null")]
  pub fn take_events<'env>(&self, env: &'env Env) -> Result<Option<Array<'env>>> {
    let events = self.sink.take();
    if events.is_empty() {
      return Ok(None);
    }
    let batch = EventBatch::encode(events);
    let mut out = env.create_array(2 + batch.bodies.len() as u32)?;
    out.set(0, batch.text)?;
    out.set(1, Float64Array::new(batch.numbers))?;
    for (i, body) in batch.bodies.into_iter().enumerate() {
      out.set(2 + i as u32, body_buffer(env, body)?)?;
    }
    Ok(Some(out))
  }
}

/// A Buffer over a body's memory, freed (by the system allocator it came
/// from) when V8 collects the Buffer. Bodies in a batch are never empty.
fn body_buffer<'env>(env: &'env Env, body: Body) -> Result<BufferSlice<'env>> {
  let (ptr, len, cap) = body.into_raw().ok_or_else(|| napi::Error::from_reason("empty request body in a batch"))?;
  // SAFETY: `ptr` points to `cap` bytes owned by nothing else, the first
  // `len` initialised; they stay valid until the finalizer, the one place
  // that frees them (if Node cannot make the Buffer, they leak instead).
  unsafe { BufferSlice::from_external(env, ptr.as_ptr(), len, cap, move |_, cap| Body::free_raw(ptr, cap)) }
}
