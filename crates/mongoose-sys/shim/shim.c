#include "shim.h"

#include <string.h>

#include "mongoose.h"
#include "active_set.h"
#include "os_socket.h"
#include "tls.h"

#ifndef FD
#define FD(c_) ((MG_SOCKET_TYPE) (size_t) (c_)->fd)
#endif

int mgn_ev_accept(void) { return MG_EV_ACCEPT; }
int mgn_ev_read(void) { return MG_EV_READ; }
int mgn_ev_close(void) { return MG_EV_CLOSE; }
int mgn_ev_peer_done(void) { return MG_EV_USER; }
int mgn_ev_accept_paused(void) { return MG_EV_USER + 1; }

void mgn_peer_done(struct mg_connection *c) {
  /* Under TLS the end of the stream comes after what TLS still holds. */
  if (c->is_tls && c->tls != NULL) {
    mgn_tls_transport_eof(c);
    return;
  }
  mgn_peer_done_now(c);
}

void mgn_peer_done_now(struct mg_connection *c) {
  /* Reading stops for good (the engine never resumes a finished connection). */
  c->is_full = 1;
  mgn_active_mark(c);
  mg_call(c, MG_EV_USER, NULL);
}

/* True for the accept errors that say the process (or system) is out of a
 * resource, which the next accept would hit again; others concern one
 * connection, which the failed accept already took off the queue. */
static bool out_of_resources(int err) {
#if defined(_WIN32)
  return err == WSAEMFILE || err == WSAENOBUFS;
#else
  return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
#endif
}

void mgn_accept_failed(struct mg_connection *lsn) {
#if defined(_WIN32)
  int err = WSAGetLastError();
#else
  int err = errno;
#endif
  MG_ERROR(("%lu accept failed, errno %d", lsn->id, err));
  if (!out_of_resources(err)) return;
  /* The pending connection stays queued and the socket readable: a wait
   * would return at once, every pass. Stop watching it until the engine
   * resumes it (a descriptor freed, or a short back-off). */
  lsn->is_full = 1;
  mgn_active_mark(lsn);
  mg_call(lsn, MG_EV_USER + 1, NULL);
}

struct mg_mgr *mgn_mgr_new(int log_level) {
  struct mg_mgr *mgr = (struct mg_mgr *) calloc(1, sizeof(*mgr));
  if (mgr == NULL) return NULL;
  mg_log_set(log_level);
  mg_mgr_init(mgr);
  if (!mgn_active_attach(mgr)) {
    mg_mgr_free(mgr);
    free(mgr);
    return NULL;
  }
  return mgr;
}

/* The doorbell's receiving end only has to make poll return; its bytes mean nothing. */
static void doorbell_fn(struct mg_connection *c, int ev, void *ev_data) {
  if (ev == MG_EV_READ) c->recv.len = 0;
  (void) ev_data;
}

bool mgn_add_doorbell(struct mg_mgr *mgr, int fd) {
  return mg_wrapfd(mgr, fd, doorbell_fn, NULL) != NULL;
}

void mgn_mgr_free(struct mg_mgr *mgr) {
  if (mgr == NULL) return;
  /* mg_mgr_free closes connections in one last pass, which must visit them all. */
  mgn_active_all(mgr);
  mg_mgr_free(mgr);
  mgn_active_detach(mgr);
  free(mgr);
}

void mgn_poll(struct mg_mgr *mgr, int timeout_ms) { mg_mgr_poll(mgr, timeout_ms); }

void mgn_visit_all(struct mg_mgr *mgr) { mgn_active_all(mgr); }


struct mg_connection *mgn_listen(struct mg_mgr *mgr, const char *url,
                                 mgn_handler_t fn, void *fn_data, int *err) {
  struct mg_connection *c;
  mgn_sock_clear_error();
  c = mg_listen(mgr, url, fn, fn_data);
  if (c == NULL && err != NULL) *err = mgn_sock_listen_error();
  return c;
}

uint64_t mgn_conn_id(const struct mg_connection *c) { return (uint64_t) c->id; }
void *mgn_conn_data(const struct mg_connection *c) { return c->fn_data; }
void mgn_conn_set_data(struct mg_connection *c, void *data) { c->fn_data = data; }

uint16_t mgn_conn_addr(const struct mg_connection *c, bool remote,
                       uint8_t ip[16], bool *is_ip6) {
  const struct mg_addr *a = remote ? &c->rem : &c->loc;
  memcpy(ip, a->addr.ip, 16);
  *is_ip6 = a->is_ip6;
  return mg_ntohs(a->port);
}

bool mgn_conn_is_tls(const struct mg_connection *c) { return c->is_tls; }

const uint8_t *mgn_recv_buf(const struct mg_connection *c, size_t *len) {
  *len = c->recv.len;
  return c->recv.buf;
}

/* Drops the first n bytes of an iobuf. Unlike mg_iobuf_del this does not zero
 * what it drops: Mongoose zeroes byte by byte (it is meant for secrets), which
 * costs a microsecond per kilobyte, and these buffers only ever hold plain
 * HTTP bytes (TLS secrets live in Mongoose's own TLS buffers). */
static void drop_front(struct mg_iobuf *io, size_t n) {
  if (n >= io->len) {
    io->len = 0;
  } else {
    memmove(io->buf, io->buf + n, io->len - n);
    io->len -= n;
  }
}

void mgn_recv_consume(struct mg_connection *c, size_t n) { drop_front(&c->recv, n); }

/* Frees an empty iobuf without Mongoose's byte-by-byte zeroing (see drop_front). */
static bool release_if_empty(struct mg_iobuf *io) {
  if (io->len != 0 || io->buf == NULL) return false;
  mg_free(io->buf);
  io->buf = NULL;
  io->size = 0;
  return true;
}

bool mgn_release_buffers(struct mg_connection *c) {
  bool recv = release_if_empty(&c->recv);
  bool send = release_if_empty(&c->send);
  return recv || send;
}

bool mgn_send(struct mg_connection *c, const void *buf, size_t len) {
  mgn_active_mark(c);
  return mg_send(c, buf, len);
}

size_t mgn_send_len(const struct mg_connection *c) { return c->send.len; }

/* Changes of state the poll pass must see mark the connection (active_set.h). */
void mgn_set_paused(struct mg_connection *c, bool paused) {
  c->is_full = paused ? 1 : 0;
  mgn_active_mark(c);
}
void mgn_close_after_flush(struct mg_connection *c) {
  c->is_draining = 1;
  mgn_active_mark(c);
}
void mgn_close_now(struct mg_connection *c) {
  c->is_closing = 1;
  mgn_active_mark(c);
}
bool mgn_is_closing(const struct mg_connection *c) { return c->is_closing || c->is_draining; }
void mgn_reset_now(struct mg_connection *c) {
  if (!c->is_closing && FD(c) != MG_INVALID_SOCKET) {
    struct linger lg;
    lg.l_onoff = 1;
    lg.l_linger = 0;
    setsockopt((MG_SOCKET_TYPE) (size_t) c->fd, SOL_SOCKET, SO_LINGER, (const char *) &lg, sizeof(lg));
  }
  mgn_close_now(c);
}
void mgn_shutdown_write(struct mg_connection *c) {
  if (c->is_closing || FD(c) == MG_INVALID_SOCKET) return;
  mgn_sock_shutdown_write(c->fd);
}

void mgn_flush(struct mg_connection *c) {
  long n;
  /* TLS records are written by Mongoose's poll; plain sockets can go now. */
  mgn_active_mark(c);
  if (c->is_tls || c->is_closing || c->send.len == 0) return;
  n = mg_io_send(c, c->send.buf, c->send.len);
  if (n > 0) {
    drop_front(&c->send, (size_t) n);
  } else if (n == MG_IO_ERR) {
    c->is_closing = 1;
  }
}

long mgn_write_parts(struct mg_connection *c, const void *parts, size_t n) {
  size_t from_send;
  long sent;
  mgn_active_mark(c);
  if (c->is_tls || c->is_closing || c->is_udp) return 0;
  sent = mgn_sock_send_parts(c->fd, c->send.buf, c->send.len, parts, n);
  if (sent < 0) {
    c->is_closing = 1;
    return -1;
  }
  from_send = (size_t) sent < c->send.len ? (size_t) sent : c->send.len;
  drop_front(&c->send, from_send);
  return sent - (long) from_send;
}

