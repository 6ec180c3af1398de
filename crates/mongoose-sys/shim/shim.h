/*
 * mgnode's stable surface over Mongoose. Rust never mirrors Mongoose's structs;
 * it calls these functions instead, so a Mongoose upgrade only touches shim.c.
 *
 * Every function here must be called on the thread that runs mgn_poll for
 * the manager concerned. Other threads wake that thread through the doorbell
 * socket (see mgn_add_doorbell), never through Mongoose.
 */
#ifndef MGNODE_SHIM_H
#define MGNODE_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mg_mgr;
struct mg_connection;
typedef void (*mgn_handler_t)(struct mg_connection *c, int ev, void *ev_data);

/* Event numbers forwarded to the Rust handler (values of Mongoose's enum). */
int mgn_ev_accept(void);
int mgn_ev_read(void);
int mgn_ev_close(void);
/* mgnode's own event: the peer finished sending (a read found the end of the
 * stream). Mongoose would close the connection at once and drop what was
 * queued; with build/fixes.rs it calls mgn_peer_done instead, which stops
 * reading and tells the handler, so what the peer asked for is still answered. */
int mgn_ev_peer_done(void);
void mgn_peer_done(struct mg_connection *c);
/* mgn_peer_done's work, once TLS has handed on everything it held. */
void mgn_peer_done_now(struct mg_connection *c);
/* mgnode's own event: a listener's accept failed for want of descriptors
 * (EMFILE, ENFILE) or buffers, and it stopped watching the listener (paused,
 * as mgn_set_paused does), which Mongoose would otherwise find readable, and
 * fail on, every pass. The handler resumes it with mgn_set_paused(c, false).
 * build/fixes.rs has accept_conn call mgn_accept_failed on any failure. */
int mgn_ev_accept_paused(void);
void mgn_accept_failed(struct mg_connection *lsn);

/* Manager lifetime. Returns NULL on allocation failure. */
struct mg_mgr *mgn_mgr_new(int log_level);
void mgn_mgr_free(struct mg_mgr *mgr);
/* The next poll pass visits every connection, not only those with work. */
void mgn_visit_all(struct mg_mgr *mgr);
void mgn_poll(struct mg_mgr *mgr, int timeout_ms);
/* Adds the receiving end of a doorbell socket (non-blocking: one end of a
 * Unix datagram pair, or of a loopback UDP pair on Windows) to the poll set;
 * whatever arrives on it is discarded, its only effect is that mgn_poll
 * returns. Mongoose owns `fd` afterwards. An int, as Mongoose's mg_wrapfd
 * takes it (Windows socket handles fit in 32 bits). */
bool mgn_add_doorbell(struct mg_mgr *mgr, int fd);

/* Starts listening. Returns NULL and sets *err on failure: MGN_LISTEN_EADDRINUSE,
 * MGN_LISTEN_EACCES or MGN_LISTEN_EADDRNOTAVAIL (os_socket.h, the same on every
 * system), else the system's error number, else -1. */
struct mg_connection *mgn_listen(struct mg_mgr *mgr, const char *url,
                                 mgn_handler_t fn, void *fn_data, int *err);

/* Connection accessors. */
uint64_t mgn_conn_id(const struct mg_connection *c);
void *mgn_conn_data(const struct mg_connection *c);
void mgn_conn_set_data(struct mg_connection *c, void *data);
/* Fills a 16-byte ip buffer; returns the port in host order. */
uint16_t mgn_conn_addr(const struct mg_connection *c, bool remote,
                       uint8_t ip[16], bool *is_ip6);
bool mgn_conn_is_tls(const struct mg_connection *c);

/* Receive buffer: bytes read and not yet consumed. */
const uint8_t *mgn_recv_buf(const struct mg_connection *c, size_t *len);
void mgn_recv_consume(struct mg_connection *c, size_t n);

/* Send buffer. */
bool mgn_send(struct mg_connection *c, const void *buf, size_t len);
size_t mgn_send_len(const struct mg_connection *c);
/* Writes what the send buffer holds right away (plain TCP only), instead of
 * waiting for the next poll to report the socket writable. */
void mgn_flush(struct mg_connection *c);
/* Writes Mongoose's buffered bytes, then the `n` parts (at most 16; struct
 * iovec on Unix, WSABUF on Windows: see os_socket.h), in one
 * system call on a plain socket. Returns how many bytes of the parts went (0
 * when the socket is full, TLS or closing), or -1 after an error. */
long mgn_write_parts(struct mg_connection *c, const void *parts, size_t n);

/* Flow and lifetime flags. */
void mgn_set_paused(struct mg_connection *c, bool paused); /* stop/resume reads */
void mgn_close_after_flush(struct mg_connection *c);
void mgn_close_now(struct mg_connection *c);
bool mgn_is_closing(const struct mg_connection *c);
/* Closes at once with a TCP reset (SO_LINGER 0): unsent bytes are dropped
 * and the peer sees ECONNRESET, as net.Socket#resetAndDestroy. */
void mgn_reset_now(struct mg_connection *c);

/* Shuts the sending side of a plain socket (a TCP FIN); reading goes on. */
void mgn_shutdown_write(struct mg_connection *c);

/* Frees the receive and send buffers of a connection when they are empty
 * (Mongoose keeps their capacity, 32 KiB or more, for the connection's life;
 * it allocates again on the next read or send). For idle keep-alive
 * connections, of which a busy server holds thousands. True if it freed any. */
bool mgn_release_buffers(struct mg_connection *c);

/* Returns free heap memory to the system (see alloc.c). */
void mgn_alloc_collect(void);

/* An I/O buffer's memory, not zeroed (Mongoose's iobufs only read what they hold). */
void *mgn_iobuf_alloc(size_t size);

/* Zeroes len bytes at buf as Mongoose's mg_bzero does, at memset's speed; never elided. */
void mgn_wipe(void *buf, size_t len);

#endif
