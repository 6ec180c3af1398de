//! `RequestSink`: where the Mongoose thread leaves work for one JavaScript thread.
//!
//! Events pile up in a queue; the JavaScript thread is rung through a
//! ThreadsafeFunction at most once until it has taken them, so one call to JS
//! carries everything that became ready in a poll pass.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;

use crate::http::request_body::Body;
use crate::http::request_parser::{ParsedRequest, Upgrades};

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
  /// Its thread takes over upgraded connections (node:http: an `upgrade` listener).
  takes_upgrades: AtomicBool,
  /// Its thread takes CONNECT tunnels (a `connect` listener).
  takes_connects: AtomicBool,
  doorbell: Mutex<Option<Doorbell>>,
}

impl RequestSink {
  pub fn new(doorbell: Doorbell) -> Self {
    RequestSink {
      id: NEXT_SINK_ID.fetch_add(1, Ordering::Relaxed),
      queue: Mutex::new(Vec::new()),
      rung: AtomicBool::new(false),
      in_flight: AtomicUsize::new(0),
      takes_upgrades: AtomicBool::new(false),
      takes_connects: AtomicBool::new(false),
      doorbell: Mutex::new(Some(doorbell)),
    }
  }

  pub fn id(&self) -> u64 {
    self.id
  }

  pub fn in_flight(&self) -> usize {
    self.in_flight.load(Ordering::Relaxed)
  }

  /// Sets which raw connections its thread takes over (see [`Upgrades`]).
  pub fn set_upgrades(&self, upgrades: Upgrades) {
    self.takes_upgrades.store(upgrades.upgrade, Ordering::Relaxed);
    self.takes_connects.store(upgrades.connect, Ordering::Relaxed);
  }

  pub fn upgrades(&self) -> Upgrades {
    Upgrades {
      upgrade: self.takes_upgrades.load(Ordering::Relaxed),
      connect: self.takes_connects.load(Ordering::Relaxed),
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
