//! `Manager`: the JavaScript handle on one Mongoose thread.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use napi::bindgen_prelude::{AsyncTask, Function};
use napi::{Env, Error, Result, Status, Task};
use napi_derive::napi;

use crate::bridge::command::{Command, ListenerConfig, Timeouts};
use crate::bridge::loop_handle::LoopHandle;
use crate::bridge::registry;
use crate::bridge::request_sink::RequestSink;
use crate::engine;
use crate::http::request_parser::Limits;
use crate::js::event_sink::EventSink;
use crate::js::tls::TlsContext;
use crate::tls::listener::ListenerTls;

/// How long `listen` waits for the Mongoose thread to answer.
const CONTROL_TIMEOUT: Duration = Duration::from_secs(10);

/// Milliseconds a client has to send a request head (node:http's `headersTimeout`).
#[napi]
pub const DEFAULT_HEADERS_TIMEOUT: u32 = 60_000;
/// Milliseconds a client has to send a whole request (node:http's `requestTimeout`).
#[napi]
pub const DEFAULT_REQUEST_TIMEOUT: u32 = 300_000;
/// Milliseconds an idle keep-alive connection stays open (node:http's `keepAliveTimeout`).
#[napi]
pub const DEFAULT_KEEP_ALIVE_TIMEOUT: u32 = 5_000;
/// Milliseconds a response may make no progress because its client stopped reading.
#[napi]
pub const DEFAULT_STREAM_TIMEOUT: u32 = 5_000;
/// Largest request head, in bytes (node:http's `maxHeaderSize`).
#[napi]
pub const DEFAULT_MAX_HEADER_SIZE: u32 = 16 * 1024;
/// Most header lines in one request.
#[napi]
pub const DEFAULT_MAX_HEADERS: u32 = 100;

/// The engine's connection limit for a listener's `maxConnections`.
fn connection_limit(max: Option<u32>) -> usize {
  max.map_or(usize::MAX, |n| n as usize)
}

/// Listener settings as passed from JavaScript (times in milliseconds).
#[napi(object)]
pub struct NativeListenOptions {
  pub max_body_size: Option<f64>,
  pub max_header_size: Option<u32>,
  pub max_headers: Option<u32>,
  pub headers_timeout: Option<u32>,
  pub request_timeout: Option<u32>,
  pub keep_alive_timeout: Option<u32>,
  pub stream_timeout: Option<u32>,
  /// Open connections beyond which new ones are closed at accept (0: every
  /// one; absent: no limit).
  pub max_connections: Option<u32>,
}

impl NativeListenOptions {
  fn into_config(self, tls: Option<Arc<ListenerTls>>) -> ListenerConfig {
    ListenerConfig {
      limits: Limits {
        max_body: self.max_body_size.map(|n| n.max(0.0) as u64).unwrap_or(16 << 20),
        max_head: self.max_header_size.unwrap_or(DEFAULT_MAX_HEADER_SIZE) as usize,
        max_headers: self.max_headers.unwrap_or(DEFAULT_MAX_HEADERS).max(1) as usize,
      },
      tls,
      max_connections: connection_limit(self.max_connections),
      timeouts: Timeouts {
        headers_ms: self.headers_timeout.unwrap_or(DEFAULT_HEADERS_TIMEOUT) as u64,
        request_ms: self.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT) as u64,
        keep_alive_ms: self.keep_alive_timeout.unwrap_or(DEFAULT_KEEP_ALIVE_TIMEOUT) as u64,
        stream_ms: self.stream_timeout.unwrap_or(DEFAULT_STREAM_TIMEOUT) as u64,
      },
    }
  }
}

type Thread = Arc<Mutex<Option<JoinHandle<()>>>>;

/// Stops the loop (closing every connection after `grace_ms`) and waits for it.
fn stop(handle: &LoopHandle, thread: &Thread, grace_ms: u64) {
  let joiner = thread.lock().ok().and_then(|mut t| t.take());
  if let Some(joiner) = joiner {
    handle.send(Command::Shutdown { grace_ms });
    let _ = joiner.join();
  }
}

/// Owns a Mongoose event manager running on a dedicated native thread.
///
/// This is the raw binding; most code wants the `Manager` class of `mgnode`,
/// which wraps it with request and reply objects.
///
/// ```js
/// const binding = require('mgnode/binding')
/// const mgr = new binding.Manager()
/// const responder = new binding.Responder(mgr.id)
/// const { port, sink } = mgr.listen('http://127.0.0.1:0', {}, () => {
///   for (let batch; (batch = sink.takeEvents()) !== null; ) {
///     const n = batch[1] // the numbers; see EventKind for each event's layout
///     for (let i = 0; i < n.length; ) {
///       if (n[i] === binding.EventKind.Request) {
///         responder.write(n[i + 1], Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'), binding.WriteFlag.End)
///         i += binding.REQUEST_FIXED_NUMBERS + 2 * n[i + 7]
///       } else {
///         i += n[i] === binding.EventKind.Data ? 3 : 2
///       }
///     }
///   }
/// })
/// ```
#[napi]
pub struct Manager {
  id: u32,
  handle: Arc<LoopHandle>,
  thread: Thread,
}

#[napi]
impl Manager {
  /// Starts the Mongoose thread.
  #[napi(constructor)]
  pub fn new(env: Env) -> Result<Self> {
    let (handle, rx, ear) = LoopHandle::new()
      .map_err(|e| Error::new(Status::GenericFailure, format!("cannot create the doorbell socket: {e}")))?;
    let handle = Arc::new(handle);
    let (ready_tx, ready_rx) = crossbeam_channel::bounded(1);
    let loop_handle = handle.clone();
    let joiner = std::thread::Builder::new()
      .name("mgnode-loop".into())
      .spawn(move || engine::run(loop_handle, rx, ear, ready_tx))
      .map_err(|e| Error::new(Status::GenericFailure, format!("cannot start the Mongoose thread: {e}")))?;
    if ready_rx.recv() != Ok(true) {
      let _ = joiner.join();
      return Err(Error::new(Status::GenericFailure, "cannot initialise the Mongoose manager"));
    }
    let thread: Thread = Arc::new(Mutex::new(Some(joiner)));
    // When this JS environment goes away (process exit, worker termination),
    // stop the thread before anything it could call into is gone.
    let (hook_handle, hook_thread) = (handle.clone(), thread.clone());
    env.add_env_cleanup_hook((), move |_| stop(&hook_handle, &hook_thread, 0))?;
    let id = registry::register(&handle);
    Ok(Manager { id, handle, thread })
  }

  /// Process-wide id of this manager; worker threads use it to reach it
  /// (`new Responder(id)`, `attachSink(id, ...)`).
  #[napi(getter)]
  pub fn id(&self) -> u32 {
    self.id
  }

  /// Starts listening on `url` (`http://host:port` or `https://host:port`;
  /// IPv6 hosts in brackets). `onEvents` is called with no arguments whenever
  /// the returned sink has events to take. Without `onEvents`, requests wait
  /// until a sink is attached with `attachSink` (worker threads).
  ///
  /// `https://` listeners need `tls`, their default context. With `sni`,
  /// each handshake that names a server calls `sni([connId, servername])`,
  /// which answers with `tlsChoose` (node's `SNICallback`).
  #[napi]
  pub fn listen(
    &self,
    url: String,
    options: NativeListenOptions,
    on_events: Option<Function<(), ()>>,
    tls: Option<&TlsContext>,
    sni: Option<Function<(f64, String), ()>>,
  ) -> Result<ListenResult> {
    let tls = match tls {
      Some(context) => {
        let ask = match sni {
          Some(f) => {
            Some(f.build_threadsafe_function::<(f64, String)>().callee_handled::<false>().weak::<true>().build()?)
          }
          None => None,
        };
        Some(Arc::new(ListenerTls::new(context.inner.clone(), ask)))
      }
      None => None,
    };
    let sink = match on_events {
      Some(f) => {
        Some(Arc::new(RequestSink::new(f.build_threadsafe_function::<()>().callee_handled::<false>().build()?)))
      }
      None => None,
    };
    let (reply, answer) = crossbeam_channel::bounded(1);
    let cmd = Command::Listen { url, config: Box::new(options.into_config(tls)), sink: sink.clone(), reply };
    let outcome = if self.handle.send(cmd) { answer.recv_timeout(CONTROL_TIMEOUT).ok() } else { None };
    match outcome {
      Some(Ok(bound)) => Ok(ListenResult {
        listener_id: bound.id as i64,
        host: bound.host.clone(),
        port: bound.port as u32,
        sink: sink.map(|sink| EventSink { sink, listener_id: bound.id }),
      }),
      failed => {
        if let Some(sink) = sink {
          sink.release();
        }
        let message = match failed {
          Some(Err(e)) => e.message,
          _ => "manager is closed".to_string(),
        };
        Err(Error::new(Status::GenericFailure, message))
      }
    }
  }

  /// Changes a listener's timeouts (milliseconds, 0 for none); all four are
  /// given, as `listen` took them. Connections use them from their next check.
  #[napi]
  pub fn set_timeouts(&self, listener_id: i64, headers: u32, request: u32, keep_alive: u32, stream: u32) {
    let timeouts = Timeouts {
      headers_ms: headers as u64,
      request_ms: request as u64,
      keep_alive_ms: keep_alive as u64,
      stream_ms: stream as u64,
    };
    self.handle.send(Command::SetTimeouts { listener: listener_id as u64, timeouts });
  }

  /// Adds a TLS context for server names matching `name` (`*` stands for
  /// one label) to an `https://` listener (node's `server.addContext`).
  #[napi]
  pub fn add_tls_context(&self, listener_id: i64, name: String, context: &TlsContext) {
    self.handle.send(Command::TlsAddContext { listener: listener_id as u64, name, context: context.inner.clone() });
  }

  /// Answers a call of the listener's `sni`: the context for connection
  /// `connId` (none: the listener's default), or `fail` to refuse it.
  #[napi]
  pub fn tls_choose(&self, conn_id: i64, context: Option<&TlsContext>, fail: bool) {
    let context = context.map(|c| c.inner.clone());
    self.handle.send(Command::TlsChoose { conn: conn_id as u64, context, fail });
  }

  /// Changes a listener's connection limit (absent: none): connections
  /// accepted while this many are open are closed at once.
  #[napi]
  pub fn set_max_connections(&self, listener_id: i64, max: Option<u32>) {
    self.handle.send(Command::SetMaxConnections { listener: listener_id as u64, max: connection_limit(max) });
  }

  /// Closes the listener's keep-alive connections that are between requests.
  #[napi]
  pub fn close_idle(&self, listener_id: i64) {
    self.handle.send(Command::CloseIdle { listener: listener_id as u64 });
  }

  /// Detaches a sink whose thread is gone; requests it held are answered 502.
  #[napi]
  pub fn detach_sink(&self, listener_id: i64, sink_id: i64) {
    self.handle.send(Command::DetachSink { listener: listener_id as u64, sink: sink_id as u64 });
  }

  /// Stops accepting on one listener. Idle connections close now; busy ones
  /// close after their response, or with `linger` stay open as keep-alive
  /// connections until idle for the keep-alive timeout (node:http's `close()`).
  #[napi]
  pub fn close_listener(&self, listener_id: i64, linger: Option<bool>) {
    let (reply, answer) = crossbeam_channel::bounded(1);
    let linger = linger.unwrap_or(false);
    if self.handle.send(Command::CloseListener { listener: listener_id as u64, linger, reply }) {
      let _ = answer.recv_timeout(CONTROL_TIMEOUT);
    }
  }

  /// Stops accepting, gives in-flight responses `graceMs` to finish, closes
  /// every connection and stops the thread. Resolves when it has stopped.
  #[napi]
  pub fn shutdown(&self, grace_ms: u32) -> AsyncTask<Join> {
    AsyncTask::new(Join { handle: self.handle.clone(), thread: self.thread.clone(), grace_ms: grace_ms as u64 })
  }
}

impl Drop for Manager {
  fn drop(&mut self) {
    registry::unregister(self.id);
    stop(&self.handle, &self.thread, 0);
  }
}

/// What `Manager.listen` returns.
#[napi(object, object_from_js = false)]
pub struct ListenResult {
  pub listener_id: i64,
  /// Local address the listener is bound to.
  pub host: String,
  /// Local port; the real one when port 0 was asked for.
  pub port: u32,
  /// Present when `onEvents` was given.
  pub sink: Option<EventSink>,
}

/// Attaches the calling JavaScript thread (typically a worker) to a listener
/// of the manager `managerId`: the engine then dispatches requests to it too,
/// to whichever sink has the fewest in flight.
#[napi]
pub fn attach_sink(manager_id: u32, listener_id: i64, on_events: Function<(), ()>) -> Result<EventSink> {
  let handle = registry::lookup(manager_id).ok_or_else(|| Error::new(Status::GenericFailure, "manager is closed"))?;
  let doorbell = on_events.build_threadsafe_function::<()>().callee_handled::<false>().build()?;
  let sink = Arc::new(RequestSink::new(doorbell));
  let (reply, answer) = crossbeam_channel::bounded(1);
  let cmd = Command::AttachSink { listener: listener_id as u64, sink: sink.clone(), reply };
  let attached = handle.send(cmd) && answer.recv_timeout(CONTROL_TIMEOUT) == Ok(true);
  if !attached {
    sink.release();
    return Err(Error::new(Status::GenericFailure, format!("listener {listener_id} is not open")));
  }
  Ok(EventSink { sink, listener_id: listener_id as u64 })
}

/// Waits for the Mongoose thread on libuv's pool, so JS keeps running meanwhile.
pub struct Join {
  handle: Arc<LoopHandle>,
  thread: Thread,
  grace_ms: u64,
}

impl Task for Join {
  type Output = ();
  type JsValue = ();

  fn compute(&mut self) -> Result<()> {
    stop(&self.handle, &self.thread, self.grace_ms);
    Ok(())
  }

  fn resolve(&mut self, _env: Env, _output: ()) -> Result<()> {
    Ok(())
  }
}
