//! `RequestSink`: where the Mongoose thread leaves work for one JavaScript thread.
//!
//! Events pile up in a queue; the JavaScript thread is rung through a
//! ThreadsafeFunction at most once until it has taken them, so one call to JS
//! carries everything that became ready in a poll pass.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;

use crate::http::request_body::Body;
use napi_derive::napi;

use crate::http::request_parser::{Hooks, ParsedRequest};

/// Static facts about a connection, captured once at accept.
#[derive(Debug, Clone)]
pub struct Peer {
  pub remote_address: String,
  pub remote_port: u16,
  pub local_address: String,
  pub local_port: u16,
  pub tls: bool,
}

/// How a request goes to JavaScript.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Dispatch {
  /// With its whole body.
  Whole,
  /// Its body follows in `Data` events, then `End`.
  Streamed,
  /// It upgraded the connection: its body is the bytes that followed the
  /// head, and the connection's bytes follow in `Data` events.
  Raw,
}

/// Something JavaScript must hear about.
pub enum SinkEvent {
  Request {
    conn_id: u64,
    peer: Arc<Peer>,
    request: ParsedRequest,
    how: Dispatch,
  },
  /// More of a streamed request body, or of an upgraded connection's bytes.
  Data {
    conn_id: u64,
    data: Body,
  },
  /// The streamed body is complete, or the upgraded connection's peer finished sending.
  End {
    conn_id: u64,
  },
  /// The peer finished sending while its request was unanswered.
  Hangup {
    conn_id: u64,
  },
  /// The connection's send buffer drained after JS asked to be told.
  Drain {
    conn_id: u64,
  },
  /// A connection over the listener's limit was closed as soon as it was
  /// accepted (node:http's `'drop'`).
  Dropped {
    peer: Arc<Peer>,
  },
  /// The connection closed (or its next request went to another sink): any
  /// unfinished response is cut short, and what the thread keeps for the
  /// connection can go.
  Closed {
    conn_id: u64,
  },
}

/// Server events that change how the engine handles some requests, as
/// node:http decides by its server's listeners: bits of `EventSink.setHooks`.
#[napi]
pub enum ServerHook {
  /// `'upgrade'`: upgrade requests leave HTTP for the app's socket.
  Upgrade = 1,
  /// `'connect'`: CONNECT requests become tunnels (without, they are dropped).
  Connect = 2,
  /// `'checkContinue'`: the app decides whether to send `100 Continue`.
  CheckContinue = 4,
  /// `'checkExpectation'`: the app answers other `Expect` values (without, 417).
  CheckExpectation = 8,
}

/// The doorbell into JavaScript: a function of no arguments, strong (it keeps
/// Node alive while a listener is open), errors not routed as arguments.
pub type Doorbell = ThreadsafeFunction<(), (), (), Status, false>;

/// Source of sink ids, unique within the process.
static NEXT_SINK_ID: AtomicU64 = AtomicU64::new(1);

pub struct RequestSink {
  id: u64,
  queue: Mutex<Vec<SinkEvent>>,
  /// True from the moment JS is rung until a take finds the queue empty:
  /// while it is set, JavaScript is bound to take again, so events pushed
  /// meanwhile need no ring of their own.
  rung: AtomicBool,
  /// Requests handed to this sink whose response has not ended.
  in_flight: AtomicUsize,
  /// The server events its thread's app listens for ([`Hooks`], as bits).
  hooks: AtomicU32,
  doorbell: Mutex<Option<Doorbell>>,
}

impl RequestSink {
  pub fn new(doorbell: Doorbell) -> Self {
    RequestSink {
      id: NEXT_SINK_ID.fetch_add(1, Ordering::Relaxed),
      queue: Mutex::new(Vec::new()),
      rung: AtomicBool::new(false),
      in_flight: AtomicUsize::new(0),
      hooks: AtomicU32::new(0),
      doorbell: Mutex::new(Some(doorbell)),
    }
  }

  pub fn id(&self) -> u64 {
    self.id
  }

  pub fn in_flight(&self) -> usize {
    self.in_flight.load(Ordering::Relaxed)
  }

  /// Sets the server events its thread's app listens for ([`ServerHook`] bits).
  pub fn set_hooks(&self, bits: u32) {
    self.hooks.store(bits, Ordering::Relaxed);
  }

  pub fn hooks(&self) -> Hooks {
    let bits = self.hooks.load(Ordering::Relaxed);
    let on = |hook: ServerHook| bits & hook as u32 != 0;
    Hooks {
      upgrade: on(ServerHook::Upgrade),
      connect: on(ServerHook::Connect),
      check_continue: on(ServerHook::CheckContinue),
      check_expectation: on(ServerHook::CheckExpectation),
    }
  }

  pub fn request_done(&self) {
    let _ = self.in_flight.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
  }

  /// Queues an event (Mongoose thread). Call [`RequestSink::ring`] once per pass.
  pub fn push(&self, event: SinkEvent) {
    if matches!(event, SinkEvent::Request { .. }) {
      self.in_flight.fetch_add(1, Ordering::Relaxed);
    }
    if let Ok(mut q) = self.queue.lock() {
      q.push(event);
    }
  }

  /// Rings JavaScript unless it was rung and has not taken the queue yet.
  pub fn ring(&self) {
    if self.rung.swap(true, Ordering::SeqCst) {
      return;
    }
    if let Ok(bell) = self.doorbell.lock() {
      if let Some(bell) = bell.as_ref() {
        bell.call((), ThreadsafeFunctionCallMode::NonBlocking);
      }
    }
  }

  /// Takes everything queued (JavaScript thread). An empty take ends the
  /// round: `rung` is cleared under the lock, so the next push rings again.
  pub fn take(&self) -> Vec<SinkEvent> {
    match self.queue.lock() {
      Ok(mut q) => {
        if q.is_empty() {
          self.rung.store(false, Ordering::SeqCst);
        }
        std::mem::take(&mut *q)
      }
      Err(_) => {
        self.rung.store(false, Ordering::SeqCst);
        Vec::new()
      }
    }
  }

  /// Releases the ThreadsafeFunction so it no longer keeps Node alive.
  /// Calls already queued are still delivered.
  pub fn release(&self) {
    if let Ok(mut bell) = self.doorbell.lock() {
      bell.take();
    }
  }
}
