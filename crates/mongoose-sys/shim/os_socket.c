/* Sockets, the Unix and the Windows way; see os_socket.h. */
#include "os_socket.h"

#include <string.h>

#if defined(_WIN32)

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <winsock2.h>

static SOCKET sock_of(void *fd) { return (SOCKET) (size_t) fd; }

long mgn_sock_send_parts(void *fd, const void *head, size_t head_len, const void *parts, size_t n) {
  WSABUF bufs[MGN_MAX_PARTS + 1];
  DWORD k = 0, sent = 0;
  if (n > MGN_MAX_PARTS) n = MGN_MAX_PARTS;
  if (head_len > 0) {
    bufs[k].buf = (CHAR *) head;
    bufs[k].len = (ULONG) head_len;
    k++;
  }
  memcpy(&bufs[k], parts, n * sizeof(WSABUF));
  k += (DWORD) n;
  /* Winsock raises no signals. Without an OVERLAPPED this completes at once. */
  if (WSASend(sock_of(fd), bufs, k, &sent, 0, NULL, NULL) == SOCKET_ERROR) {
    int err = WSAGetLastError();
    return err == WSAEWOULDBLOCK || err == WSAEINTR ? 0 : -1;
  }
  return (long) sent;
}

void mgn_sock_shutdown_write(void *fd) { shutdown(sock_of(fd), SD_SEND); }

void mgn_sock_clear_error(void) { WSASetLastError(0); }

int mgn_sock_listen_error(void) {
  int err = WSAGetLastError();
  switch (err) {
    case 0: return -1;
    case WSAEADDRINUSE: return MGN_LISTEN_EADDRINUSE;
    case WSAEACCES: return MGN_LISTEN_EACCES;
    case WSAEADDRNOTAVAIL: return MGN_LISTEN_EADDRNOTAVAIL;
    default: return err;
  }
}

#else

#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* MSG_NOSIGNAL refuses SIGPIPE for this call (Linux, the BSDs, macOS SDKs
 * of recent years). Where it is missing (older macOS SDKs have only the
 * SO_NOSIGPIPE socket option), SIGPIPE still stays away, as it does for
 * Mongoose's own send(), which passes no flag on any system: it is ignored
 * process-wide, by Node at startup and again by mg_mgr_init. */
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

static int sock_of(void *fd) { return (int) (size_t) fd; }

long mgn_sock_send_parts(void *fd, const void *head, size_t head_len, const void *parts, size_t n) {
  struct iovec iov[MGN_MAX_PARTS + 1];
  struct msghdr msg;
  size_t k = 0;
  long sent;
  if (n > MGN_MAX_PARTS) n = MGN_MAX_PARTS;
  if (head_len > 0) {
    iov[k].iov_base = (void *) head;
    iov[k].iov_len = head_len;
    k++;
  }
  memcpy(&iov[k], parts, n * sizeof(struct iovec));
  k += n;
  memset(&msg, 0, sizeof(msg));
  msg.msg_iov = iov;
  msg.msg_iovlen = k;
  sent = (long) sendmsg(sock_of(fd), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (sent < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
  return sent;
}

void mgn_sock_shutdown_write(void *fd) { shutdown(sock_of(fd), SHUT_WR); }

void mgn_sock_clear_error(void) { errno = 0; }

int mgn_sock_listen_error(void) {
  switch (errno) {
    case 0: return -1;
    case EADDRINUSE: return MGN_LISTEN_EADDRINUSE;
    case EACCES: return MGN_LISTEN_EACCES;
    case EADDRNOTAVAIL: return MGN_LISTEN_EADDRNOTAVAIL;
    default: return errno;
  }
}

#endif
