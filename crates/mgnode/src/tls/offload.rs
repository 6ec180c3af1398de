//! The handshake pool: threads that make a handshake's first flight (the
//! expensive part: key exchange and signature) away from the Mongoose thread.
//! A job carries the connection's rustls state and its id, never a pointer;
//! the result goes back through the manager's command channel and doorbell,
//! and the Mongoose thread, which alone touches Mongoose, writes it out.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use crossbeam_channel::Sender;
use rustls::server::{Accepted, ServerConnection};

use super::context::Context;
use crate::bridge::command::Command;
use crate::bridge::loop_handle::LoopHandle;

/// Most threads the pool starts (fewer on smaller machines: one per core).
const MAX_THREADS: usize = 4;

/// A first flight to make.
pub struct Hello {
  pub conn_id: u64,
  pub accepted: Box<Accepted>,
  pub context: Arc<Context>,
  /// The manager to hand the result back to.
  pub reply: Arc<LoopHandle>,
}

/// What came of it.
pub enum HelloDone {
  Ready(Box<ServerConnection>),
  /// The handshake is refused; these bytes are the alert to send.
  Refused(Vec<u8>),
}

fn pool() -> &'static Sender<Hello> {
  static POOL: OnceLock<Sender<Hello>> = OnceLock::new();
  POOL.get_or_init(|| {
    let (tx, rx) = crossbeam_channel::unbounded::<Hello>();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, MAX_THREADS);
    for i in 0..threads {
      let rx = rx.clone();
      // Threads that cannot start leave the others (one is enough to make progress).
      let _ = std::thread::Builder::new().name(format!("mgnode-tls-{i}")).spawn(move || {
        for job in rx {
          run(job);
        }
      });
    }
    tx
  })
}

fn run(job: Hello) {
  let started = Instant::now();
  let result = job.accepted.into_connection(job.context.config.clone());
  job.context.measured_hello(started.elapsed());
  let done = match result {
    Ok(sc) => HelloDone::Ready(Box::new(sc)),
    Err((_, mut alert)) => {
      let mut bytes = Vec::new();
      let _ = alert.write_all(&mut bytes);
      HelloDone::Refused(bytes)
    }
  };
  // A manager that has stopped drops it, and the connection with it.
  job.reply.send(Command::TlsHello { conn: job.conn_id, done: Box::new(done) });
}

/// Queues a first flight.
pub fn submit(job: Hello) {
  let _ = pool().send(job);
}
