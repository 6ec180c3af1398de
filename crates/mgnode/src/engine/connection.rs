//! `Connection`: what the engine keeps per client connection, and every
//! change to it. Its fields are private: the engine's modules ask it to do
//! things (dispatch a request, queue bytes, end a response) and it keeps its
//! flags consistent.

use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::file_sender::FileBody;
use super::listeners::Listener;
use super::mg_conn::MgConn;
use super::outbox::Outbox;
use super::payload::Payload;
use crate::bridge::request_sink::{Dispatch, Peer, RequestSink, SinkEvent};
use crate::http::canned::error_response;
use crate::http::request_body::Body;
use crate::http::request_parser::{Hooks, ParsedRequest, RequestParser};

/// While a request is with JavaScript, reading stops once this much of the
/// next ones is buffered (a pipelining client waits its turn).
const PAUSE_AT: usize = 256 * 1024;
/// Reading also stops while JavaScript holds this much of a streamed body or
/// of an upgraded connection's bytes unconsumed, and resumes as it reads.
pub const READ_BUDGET: usize = 256 * 1024;
/// How long a client whose request was rejected may go on sending after the
/// rejection (its bytes are read and dropped) before the connection closes.
const LINGER: Duration = Duration::from_secs(2);

/// What the connection's incoming bytes are.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
  /// HTTP requests, parsed here.
  Http,
  /// After an upgrade or CONNECT: raw bytes, forwarded to JavaScript as they come.
  Raw,
}

pub struct Connection {
  conn: MgConn,
  listener: Rc<Listener>,
  peer: Arc<Peer>,
  parser: RequestParser,
  mode: Mode,
  /// The current request is with JavaScript, in `served_by`'s sink (raw
  /// connections always are).
  busy: bool,
  /// The sink its last request went to (its current one, while `busy`), and
  /// its next goes to while that sink is attached. Its thread keeps a socket
  /// object for the connection (node:http's `req.socket`), so it hears when
  /// the connection closes, or (its sink detached and back) moves to another
  /// thread's sink.
  served_by: Option<Arc<RequestSink>>,
  /// The current request's body is still streaming to JavaScript. Cleared
  /// when the response ends first: the rest of the body is then read and
  /// dropped, as node:http dumps it.
  body_to_js: bool,
  /// Bytes of a streamed body or raw stream handed to JavaScript and not yet
  /// acknowledged as read.
  unacked: usize,
  /// A complete request waiting for a sink to attach (all workers down or starting).
  parked: Option<(ParsedRequest, Instant)>,
  /// A file being sent as the body of the current response.
  file: Option<FileBody>,
  /// Large writes waiting for the socket (see [`super::outbox`]).
  out: Outbox,
  /// Close once everything queued is written.
  close_when_sent: bool,
  /// Shut the sending side once everything queued is written (an upgraded
  /// socket's `end()`), and close when the peer has finished too.
  shutdown_when_sent: bool,
  /// The sending side is shut (a FIN went out): the connection closes when the peer's FIN comes.
  write_shut: bool,
  /// In the engine's list of connections whose outbox it keeps flushing.
  out_watched: bool,
  keep_alive: bool,
  want_drain: bool,
  /// Reads are stopped (see [`Connection::update_reading`]).
  paused: bool,
  /// The peer has finished sending (read end of file): what it sent is still
  /// answered, then the connection closes.
  peer_done: bool,
  /// A request was rejected: what the client still sends is dropped until it
  /// ends its side or this time passes (see [`Connection::reject`]).
  discard_until: Option<Instant>,
  idle_since: Instant,
  request_started: Option<Instant>,
  /// Bytes ever queued for sending, and how many of them had left at the last sweep.
  queued_total: u64,
  /// `queued_total` when the current response started.
  response_started_at: u64,
  flushed_at_sweep: u64,
  last_progress: Instant,
}

/// What a connection's sweep found due.
pub enum Due {
  Nothing,
  /// Close the connection now.
  Close,
  /// Its buffers may be given back (idle for a while).
  ReleaseBuffers,
}

impl Connection {
  pub fn new(conn: MgConn, listener: Rc<Listener>, peer: Arc<Peer>, now: Instant) -> Self {
    let out = Outbox::new(conn);
    Connection {
      conn,
      listener,
      peer,
      parser: RequestParser::new(),
      mode: Mode::Http,
      busy: false,
      served_by: None,
      body_to_js: false,
      unacked: 0,
      parked: None,
      file: None,
      out,
      close_when_sent: false,
      shutdown_when_sent: false,
      write_shut: false,
      out_watched: false,
      keep_alive: true,
      want_drain: false,
      paused: false,
      peer_done: false,
      discard_until: None,
      idle_since: now,
      request_started: None,
      queued_total: 0,
      response_started_at: 0,
      flushed_at_sweep: 0,
      last_progress: now,
    }
  }

  pub fn conn(&self) -> MgConn {
    self.conn
  }

  pub fn listener(&self) -> &Rc<Listener> {
    &self.listener
  }

  pub fn mode(&self) -> Mode {
    self.mode
  }

  pub fn is_busy(&self) -> bool {
    self.busy
  }

  pub fn is_parked(&self) -> bool {
    self.parked.is_some()
  }

  pub fn peer_done(&self) -> bool {
    self.peer_done
  }

  /// True after a rejection, while the client's further bytes are dropped.
  pub fn discarding(&self) -> bool {
    self.discard_until.is_some()
  }

  pub fn parser(&mut self) -> &mut RequestParser {
    &mut self.parser
  }

  /// True while the current request's body is still arriving (its parts are parsed even while busy).
  pub fn reading_body(&self) -> bool {
    self.parser.streaming()
  }

  /// The sink for this connection's next request, if one is attached.
  pub fn next_sink(&self) -> Option<Arc<RequestSink>> {
    self.listener.sink_for(self.served_by.as_ref())
  }

  /// The server events the app that would take this connection's next request listens for.
  pub fn hooks(&self) -> Hooks {
    self.listener.hooks(self.served_by.as_ref())
  }

  /// Notes that bytes of a request arrived (the start of its timeouts).
  pub fn request_arriving(&mut self, now: Instant) {
    self.request_started.get_or_insert(now);
  }

  /// Hands a request to `sink` and adds the sinks to ring to `to_ring`: it,
  /// and one the connection leaves, told as if the connection had closed
  /// (its thread's socket object for it is done with). `streamed`: its body
  /// follows in `Data` events; `raw`: the connection is upgraded from now on,
  /// and `request.body` holds the bytes that followed the head.
  pub fn dispatch(
    &mut self,
    id: u64,
    sink: Arc<RequestSink>,
    request: ParsedRequest,
    how: Dispatch,
    to_ring: &mut Vec<Arc<RequestSink>>,
  ) {
    if how != Dispatch::Streamed {
      self.request_started = None;
    }
    self.keep_alive = request.head.keep_alive && !self.listener.ends_keep_alive();
    self.unacked = if how == Dispatch::Whole { 0 } else { request.body.len() };
    self.body_to_js = how == Dispatch::Streamed;
    if how == Dispatch::Raw {
      self.mode = Mode::Raw;
    }
    self.response_started_at = self.queued_total;
    sink.push(SinkEvent::Request { conn_id: id, peer: self.peer.clone(), request, how });
    self.busy = true;
    if let Some(last) = self.served_by.replace(sink.clone()) {
      if !Arc::ptr_eq(&last, &sink) {
        last.push(SinkEvent::Closed { conn_id: id });
        to_ring.push(last);
      }
    }
    to_ring.push(sink);
    self.update_reading();
  }

  /// Parks a complete request until a sink attaches.
  pub fn park(&mut self, request: ParsedRequest, now: Instant) {
    self.request_started = None;
    self.keep_alive = request.head.keep_alive && !self.listener.ends_keep_alive();
    self.parked = Some((request, now));
  }

  /// Takes the parked request, if any.
  pub fn unpark(&mut self) -> Option<ParsedRequest> {
    self.parked.take().map(|(request, _)| request)
  }

  /// More of the current streamed body, or of an upgraded connection's
  /// bytes, for JavaScript; `last` when the body (or the peer's sending) has
  /// ended. Returns the sink to ring, if it was told.
  pub fn forward(&mut self, id: u64, data: Body, last: bool) -> Option<Arc<RequestSink>> {
    let to_js = self.body_to_js || self.mode == Mode::Raw;
    if last {
      self.request_started = None;
      self.body_to_js = false;
    }
    let sink = self.served_by.clone().filter(|_| to_js && self.busy)?;
    if !data.is_empty() {
      self.unacked += data.len();
      sink.push(SinkEvent::Data { conn_id: id, data });
    }
    if last {
      sink.push(SinkEvent::End { conn_id: id });
    }
    self.update_reading();
    Some(sink)
  }

  /// JavaScript has read `bytes` more of what was forwarded.
  pub fn acknowledge(&mut self, bytes: usize) {
    self.unacked = self.unacked.saturating_sub(bytes);
    self.update_reading();
  }

  /// The peer finished sending (read end of file). Reading stops; what JavaScript
  /// must hear of it is returned, with the sink to ring:
  /// - upgraded: `End`, its stream's end (the app ends its side in turn);
  /// - a body still arriving: nothing, the connection closes (the body can never complete);
  /// - a request with JavaScript, unanswered: `Hangup`, as node:http aborts it;
  /// - otherwise nothing: requests already read are answered, then it closes.
  pub fn finish_reading(&mut self, id: u64) -> Option<Arc<RequestSink>> {
    if std::mem::replace(&mut self.peer_done, true) {
      return None;
    }
    self.update_reading();
    if self.discard_until.is_some() {
      // A rejected client is done sending: nothing is left to wait for.
      self.close_after_sent();
      return None;
    }
    if self.mode == Mode::Raw {
      let sent_all = self.out.is_empty() && self.conn.send_len() == 0;
      if self.write_shut || (self.shutdown_when_sent && sent_all) {
        // Both sides are done.
        self.conn.close_after_flush();
      }
      return self.forward(id, Body::new(), true);
    }
    if self.parser.streaming() {
      self.conn.close_now();
      return None;
    }
    let sink = self.current_sink()?.clone();
    sink.push(SinkEvent::Hangup { conn_id: id });
    Some(sink)
  }

  /// Stops or resumes reading as the connection's state asks: stopped while
  /// the peer has finished, while JavaScript holds too much unread, and while
  /// a request is with JavaScript and enough of the next ones is buffered.
  pub fn update_reading(&mut self) {
    let waiting = self.busy && self.mode == Mode::Http && !self.reading_body() || self.parked.is_some();
    let pause = self.peer_done || self.unacked >= READ_BUDGET || (waiting && self.conn.recv_len() >= PAUSE_AT);
    if pause != self.paused {
      self.paused = pause;
      self.conn.set_paused(pause);
    }
  }

  /// The connection is closed: its request no longer counts as in flight, and
  /// the sink that served it is told (and returned, to be rung) so its thread
  /// lets go of its socket object and of an unfinished response.
  pub fn closed(self, id: u64) -> Option<Arc<RequestSink>> {
    let sink = self.served_by?;
    if self.busy {
      sink.request_done();
    }
    sink.push(SinkEvent::Closed { conn_id: id });
    Some(sink)
  }

  /// The sink holding the current request, while JavaScript has one.
  pub fn current_sink(&self) -> Option<&Arc<RequestSink>> {
    self.served_by.as_ref().filter(|_| self.busy)
  }

  /// True if the connection's current or last request went to the sink with this id.
  pub fn served_by_sink(&self, sink_id: u64) -> bool {
    matches!(&self.served_by, Some(s) if s.id() == sink_id)
  }

  /// Bytes queued but not yet taken by the socket.
  pub fn unsent(&self) -> usize {
    self.conn.send_len() + self.out.len()
  }

  /// True once the current response has queued any bytes.
  pub fn response_begun(&self) -> bool {
    self.queued_total > self.response_started_at
  }

  /// Queues response bytes behind everything queued before.
  pub fn queue(&mut self, data: Payload) {
    self.queued_total += data.len() as u64;
    self.out.queue(data);
  }

  /// Like `queue`, for bytes the caller keeps.
  pub fn queue_copy(&mut self, data: &[u8]) {
    self.queued_total += data.len() as u64;
    self.out.queue_copy(data);
  }

  /// Writes what the socket takes now; closes or shuts down if that was asked
  /// for and all is sent. Returns true while bytes wait in the outbox, so the
  /// engine keeps flushing as the socket drains.
  pub fn flush(&mut self) -> bool {
    self.out.flush();
    if self.out.is_empty() {
      if self.close_when_sent {
        self.conn.close_after_flush();
      } else if self.shutdown_when_sent && self.conn.send_len() == 0 {
        self.shut_down_sending();
      }
    }
    !self.out.is_empty()
  }

  /// Flushes if the outbox has bytes and the socket room for them; see `flush`.
  pub fn flush_if_room(&mut self) -> bool {
    if self.out.has_room() {
      self.flush()
    } else {
      !self.out.is_empty()
    }
  }

  /// Whether the engine lists this connection among those it keeps flushing; sets it.
  pub fn watch_outbox(&mut self, watched: bool) -> bool {
    std::mem::replace(&mut self.out_watched, watched)
  }

  /// Asks for a `Drain` event once the unsent bytes run low; false if it was asked already.
  pub fn want_drain(&mut self) -> bool {
    !std::mem::replace(&mut self.want_drain, true)
  }

  /// Whether a drain is still wanted and due: the socket took enough.
  pub fn drain_due(&mut self, low_water: usize) -> Option<bool> {
    if !self.want_drain {
      return None;
    }
    if self.unsent() > low_water {
      return Some(false);
    }
    self.want_drain = false;
    Some(true)
  }

  /// The current response is complete. Returns true if the connection stays
  /// open for the next request.
  pub fn end_response(&mut self, close: bool, now: Instant) -> bool {
    if std::mem::take(&mut self.busy) {
      if let Some(sink) = &self.served_by {
        sink.request_done();
      }
    }
    self.want_drain = false;
    self.idle_since = now;
    // The rest of a body JavaScript did not read is read and dropped.
    self.body_to_js = false;
    self.unacked = 0;
    if close || !self.keep_alive || self.listener.ends_keep_alive() {
      self.close_after_sent();
      return false;
    }
    self.update_reading();
    true
  }

  /// On an upgraded connection, ends the sending side once all is written.
  pub fn shutdown_after_sent(&mut self) {
    if self.peer_done || self.conn.is_tls() {
      // Nothing more can come in (or TLS, whose half-close mgnode does not do): close.
      self.close_after_sent();
    } else if self.out.is_empty() && self.conn.send_len() == 0 {
      self.shut_down_sending();
    } else {
      self.shutdown_when_sent = true;
    }
  }

  /// True while a shutdown waits for Mongoose's buffer to empty.
  pub fn shutdown_pending(&self) -> bool {
    self.shutdown_when_sent
  }

  /// Sends the shutdown if everything has left; true once done.
  pub fn shutdown_if_sent(&mut self) -> bool {
    if !self.shutdown_when_sent {
      return true;
    }
    if self.out.is_empty() && self.conn.send_len() == 0 {
      self.shut_down_sending();
      return true;
    }
    false
  }

  fn shut_down_sending(&mut self) {
    self.shutdown_when_sent = false;
    self.write_shut = true;
    self.conn.shutdown_write();
    if self.peer_done {
      self.conn.close_after_flush();
    }
  }

  /// Closes the connection once everything queued is written.
  pub fn close_after_sent(&mut self) {
    if self.out.is_empty() {
      self.conn.close_after_flush();
    } else {
      self.close_when_sent = true;
    }
  }

  /// Answers with one of the engine's own error responses and closes.
  pub fn refuse(&mut self, status: u16) {
    self.conn.consume(usize::MAX);
    self.queue(error_response(status).into());
    self.close_after_sent();
  }

  /// Answers a request that was rejected before JavaScript saw it (malformed,
  /// or too large: 400, 413, 431, ...), letting the client read the answer.
  /// Closing at once would reset the connection while the client is still
  /// sending (the rest of a large body or head), and a reset makes its side
  /// drop the answer unread. So the answer goes out, then the sending side
  /// is shut (FIN), and what the client still sends is read and dropped
  /// until it closes or [`LINGER`] passes. TLS, which mgnode does not
  /// half-close, and a client already done sending close as `refuse` does.
  pub fn reject(&mut self, status: u16, now: Instant) {
    if self.peer_done || self.conn.is_tls() {
      self.refuse(status);
      return;
    }
    self.conn.consume(usize::MAX);
    self.queue(error_response(status).into());
    self.discard_until = Some(now + LINGER);
    self.shutdown_when_sent = true;
  }

  /// A request already with JavaScript failed (its body was malformed or too
  /// large): answered with `status` unless its response has begun, then closed.
  pub fn fail_request(&mut self, status: u16) {
    if self.response_begun() {
      self.conn.close_now();
    } else {
      self.refuse(status);
    }
  }

  /// The sink that held this connection's request is gone: 502 if nothing of
  /// the response was sent (an upgraded connection just closes).
  pub fn lost_sink(&mut self) {
    self.served_by = None;
    if !std::mem::take(&mut self.busy) {
      return;
    }
    if self.mode == Mode::Http && !self.response_begun() && self.file.is_none() {
      self.refuse(502);
    } else {
      // Part of a response is already queued: a 502 after it would corrupt the stream.
      self.conn.close_now();
    }
  }

  /// Takes the file being sent, if any (put it back with `set_file`).
  pub fn take_file(&mut self) -> Option<FileBody> {
    self.file.take()
  }

  pub fn set_file(&mut self, file: FileBody) {
    self.file = Some(file);
  }

  pub fn has_file(&self) -> bool {
    self.file.is_some()
  }

  /// Between requests: nothing in flight, parked, half-read or buffered.
  pub fn is_idle(&self) -> bool {
    self.mode == Mode::Http
      && !self.busy
      && self.parked.is_none()
      && self.request_started.is_none()
      && self.conn.recv_len() == 0
  }

  /// Closes the connection if it is between requests; true if it did.
  pub fn close_if_idle(&mut self) -> bool {
    if !self.is_idle() {
      return false;
    }
    self.close_after_sent();
    true
  }

  /// Prepares for a shutdown or listener close: no more keep-alive, and if
  /// nothing is in flight, a parked request is refused and the connection
  /// closes once its last bytes are out. Returns true if it was flushed.
  pub fn wind_down(&mut self) -> bool {
    self.keep_alive = false;
    if self.busy {
      return false;
    }
    if self.parked.take().is_some() {
      self.queue(error_response(503).into());
    }
    self.close_after_sent();
    true
  }

  /// Checks timeouts; see [`Due`].
  pub fn sweep(&mut self, now: Instant, park_limit: Duration) -> Due {
    if let Some(until) = self.discard_until {
      // The rejection's FIN, if the socket could not take it all at once.
      self.shutdown_if_sent();
      return if now >= until { Due::Close } else { Due::Nothing };
    }
    let conn = self.conn;
    let timeouts = self.listener.timeouts.get();
    let stalled = self.stalled_for(now);
    if self.mode == Mode::Raw {
      // An upgraded connection has no HTTP timeouts (node:http leaves them to
      // the app); one the app destroyed waits for its last bytes to leave,
      // but not for a peer that stopped reading.
      let stuck = (self.close_when_sent || conn.is_closing()) && self.unsent() > 0;
      if stuck && timeouts.stream_ms > 0 && stalled > Duration::from_millis(timeouts.stream_ms) {
        return Due::Close;
      }
      return Due::Nothing;
    }
    if self.unsent() > 0 {
      // Checked even while closing after a flush: a client that stopped
      // reading would otherwise hold the connection forever.
      if timeouts.stream_ms > 0 && stalled > Duration::from_millis(timeouts.stream_ms) {
        return Due::Close;
      }
      return Due::Nothing;
    }
    if conn.is_closing() || self.busy {
      return Due::Nothing;
    }
    if let Some((_, since)) = &self.parked {
      if now.duration_since(*since) > park_limit {
        self.parked = None;
        self.refuse(503);
      }
      return Due::Nothing;
    }
    if let Some(started) = self.request_started {
      let limit = if self.parser.reading_head() { timeouts.headers_ms } else { timeouts.request_ms };
      if limit > 0 && now.duration_since(started) > Duration::from_millis(limit) {
        if self.parser.streaming() {
          // The rest of a body whose response already went: no one to answer.
          return Due::Close;
        }
        self.refuse(408);
      }
      return Due::Nothing;
    }
    let idle = now.duration_since(self.idle_since);
    if timeouts.keep_alive_ms > 0 && idle > Duration::from_millis(timeouts.keep_alive_ms) {
      Due::Close
    } else if idle > RELEASE_BUFFERS_AFTER {
      Due::ReleaseBuffers
    } else {
      Due::Nothing
    }
  }

  /// Notes whether bytes left since the last sweep; returns how long the socket has taken nothing.
  fn stalled_for(&mut self, now: Instant) -> Duration {
    let flushed = self.queued_total.saturating_sub(self.unsent() as u64);
    if flushed != self.flushed_at_sweep {
      self.flushed_at_sweep = flushed;
      self.last_progress = now;
    }
    now.duration_since(self.last_progress)
  }
}

/// How long a keep-alive connection waits between requests before its
/// buffers are freed: long enough that busy connections keep theirs.
const RELEASE_BUFFERS_AFTER: Duration = Duration::from_secs(1);
