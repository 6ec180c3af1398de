/*
 * What the shim asks of sockets that each operating system spells its own
 * way (BSD sockets on Unix, Winsock on Windows). shim.c uses these and has
 * no #if of its own. A socket is passed as Mongoose keeps it, c->fd.
 */
#ifndef MGNODE_OS_SOCKET_H
#define MGNODE_OS_SOCKET_H

#include <stddef.h>

/* The most parts mgn_sock_send_parts takes after its head. */
#define MGN_MAX_PARTS 16

/*
 * Sends `head_len` bytes at `head` (none if 0), then the `n` parts, in one
 * gathered write on a non-blocking stream socket, never raising SIGPIPE.
 * `parts` is the platform's gather element, which is what Rust's
 * std::io::IoSlice wraps on each: struct iovec on Unix (base, then length),
 * WSABUF on Windows (a 32-bit length, then base). Returns the bytes sent, 0
 * if the socket would block, -1 on an error (the connection is broken).
 */
long mgn_sock_send_parts(void *fd, const void *head, size_t head_len, const void *parts, size_t n);

/* Shuts the sending side of a socket (a TCP FIN). */
void mgn_sock_shutdown_write(void *fd);

/* Listen failures the engine words as Node does (see mgn_listen in shim.h). */
#define MGN_LISTEN_EADDRINUSE (-2)
#define MGN_LISTEN_EACCES (-3)
#define MGN_LISTEN_EADDRNOTAVAIL (-4)

/* Forgets the last socket error, before a call that may set one. */
void mgn_sock_clear_error(void);
/* The last socket error: one of MGN_LISTEN_*, else the system's own (positive)
 * error number, else -1 when none was set. */
int mgn_sock_listen_error(void);

#endif
