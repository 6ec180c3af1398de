/*
 * What mgnode's TLS (rustls, in the mgnode crate: crates/mgnode/src/tls)
 * reaches of a Mongoose connection. Mongoose is built with
 * MG_TLS=MG_TLS_CUSTOM: the mg_tls_* hooks it calls are Rust functions, and
 * these accessors are all they see of `struct mg_connection`.
 *
 * Loop thread only, like the rest of the shim.
 */
#ifndef MGNODE_SHIM_TLS_H
#define MGNODE_SHIM_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mg_connection;

/* The connection's TLS state (NULL on plain connections). */
void *mgn_tls_state(const struct mg_connection *c);
/* Makes `c` a TLS connection in its handshake, owning `state`. */
void mgn_tls_begin(struct mg_connection *c, void *state);
/* Forgets the state (mg_tls_free has dropped it). */
void mgn_tls_forget(struct mg_connection *c);
/* The handshake is over: application data may flow. */
void mgn_tls_established(struct mg_connection *c);

/* Encrypted bytes Mongoose read and nobody took yet; mgn_tls_took_all empties them. */
const uint8_t *mgn_tls_incoming(const struct mg_connection *c, size_t *len);
void mgn_tls_took_all(struct mg_connection *c);

/* Writes encrypted bytes to the socket now: bytes written, or MG_IO_WAIT / MG_IO_ERR. */
long mgn_tls_sock_send(struct mg_connection *c, const void *buf, size_t len);
int mgn_tls_io_wait(void);
int mgn_tls_io_err(void);

/* Reads are stopped (mgnode paused the connection). */
bool mgn_tls_paused(const struct mg_connection *c);
/* The connection closes once its send buffer is empty. */
bool mgn_tls_draining(const struct mg_connection *c);

/* The next poll pass visits the connection (it has work). */
void mgn_tls_mark(struct mg_connection *c);
/* Closes at once (a failed handshake, a TLS error). */
void mgn_tls_close(struct mg_connection *c);

/* Free space at the end of the receive buffer (grown when short; NULL when
 * it may not grow), and how many bytes were written there. */
uint8_t *mgn_tls_recv_space(struct mg_connection *c, size_t *room);
void mgn_tls_recv_added(struct mg_connection *c, size_t n);

/* Events, only from inside Mongoose's poll (they call the event handler): */
/* `n` new bytes in the receive buffer; */
void mgn_tls_emit_read(struct mg_connection *c, long n);
/* the peer finished sending (see mgn_peer_done in shim.h). */
void mgn_tls_peer_done(struct mg_connection *c);

/* Provided by the mgnode crate: the transport reached its end of stream. */
void mgn_tls_transport_eof(struct mg_connection *c);

#endif
