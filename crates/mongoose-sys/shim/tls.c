/* Accessors for mgnode's TLS: see tls.h. */
#include "tls.h"

#include "mongoose.h"
#include "active_set.h"
#include "shim.h"

void *mgn_tls_state(const struct mg_connection *c) { return c->tls; }

void mgn_tls_begin(struct mg_connection *c, void *state) {
  c->tls = state;
  c->is_tls = 1;
  c->is_tls_hs = 1;
  mgn_active_mark(c);
}

void mgn_tls_forget(struct mg_connection *c) { c->tls = NULL; }

void mgn_tls_established(struct mg_connection *c) {
  c->is_tls_hs = 0;
  mgn_active_mark(c);
}

const uint8_t *mgn_tls_incoming(const struct mg_connection *c, size_t *len) {
  *len = c->rtls.len;
  return c->rtls.buf;
}

/* Ciphertext: nothing to wipe. */
void mgn_tls_took_all(struct mg_connection *c) { c->rtls.len = 0; }

long mgn_tls_sock_send(struct mg_connection *c, const void *buf, size_t len) {
  return mg_io_send(c, buf, len);
}
int mgn_tls_io_wait(void) { return MG_IO_WAIT; }
int mgn_tls_io_err(void) { return MG_IO_ERR; }

bool mgn_tls_paused(const struct mg_connection *c) { return c->is_full; }
bool mgn_tls_draining(const struct mg_connection *c) { return c->is_draining; }

void mgn_tls_mark(struct mg_connection *c) { mgn_active_mark(c); }

void mgn_tls_close(struct mg_connection *c) {
  c->is_closing = 1;
  mgn_active_mark(c);
}

uint8_t *mgn_tls_recv_space(struct mg_connection *c, size_t *room) {
  if (c->recv.size - c->recv.len < MG_IO_SIZE / 2) {
    if (c->recv.len >= MG_MAX_RECV_SIZE || !mg_iobuf_resize(&c->recv, c->recv.len + MG_IO_SIZE)) {
      *room = 0;
      return NULL;
    }
  }
  *room = c->recv.size - c->recv.len;
  return c->recv.buf + c->recv.len;
}

void mgn_tls_recv_added(struct mg_connection *c, size_t n) { c->recv.len += n; }

void mgn_tls_emit_read(struct mg_connection *c, long n) { mg_call(c, MG_EV_READ, &n); }

void mgn_tls_peer_done(struct mg_connection *c) { mgn_peer_done_now(c); }
