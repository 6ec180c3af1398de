/*
 * Which events each connection asks epoll for.
 *
 * Mongoose's epoll backend registers EPOLLIN once and re-registers it with
 * every change, so a connection mgnode has paused (is_full: a pipelining
 * client waits for its turn) stays readable to epoll, and epoll_wait returns
 * at once, forever: the loop spins. build/fixes.rs includes this header in
 * Mongoose's source right after mongoose.h, which routes Mongoose's
 * registrations here, and has its poll pass call mgn_epoll_update before
 * each wait for every connection that may have changed (active_set.h): the interest becomes what the connection can
 * act on now (read unless paused or closing, write while bytes are queued),
 * with a system call only when that changes. The interest last set is kept
 * in the connection's scratch bytes, which mgnode does not otherwise use
 * (its handlers keep their state in fn_data). Loop thread only.
 */
#ifndef MGNODE_EPOLL_INTEREST_H
#define MGNODE_EPOLL_INTEREST_H

#include <string.h>
#include <sys/epoll.h>

/* In active_set.h, which includes this header. */
static inline void mgn_active_mark(struct mg_connection *c);

/* Where the registered mask lives: the last four bytes of c->data. */
#define MGN_EPOLL_INTEREST_AT (MG_DATA_SIZE - sizeof(uint32_t))

static inline uint32_t mgn_epoll_registered(const struct mg_connection *c) {
  uint32_t mask;
  memcpy(&mask, c->data + MGN_EPOLL_INTEREST_AT, sizeof(mask));
  return mask;
}

static inline void mgn_epoll_remember(struct mg_connection *c, uint32_t mask) {
  memcpy(c->data + MGN_EPOLL_INTEREST_AT, &mask, sizeof(mask));
}

static inline int mgn_epoll_fd(const struct mg_connection *c) { return (int) (size_t) c->fd; }

static inline void mgn_epoll_add(struct mg_connection *c) {
  struct epoll_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.events = EPOLLIN | EPOLLERR | EPOLLHUP;
  ev.data.ptr = c;
  if (epoll_ctl(c->mgr->epoll_fd, EPOLL_CTL_ADD, mgn_epoll_fd(c), &ev) == 0) mgn_epoll_remember(c, EPOLLIN);
  /* A new connection is visited in the next pass (active_set.h). */
  mgn_active_mark(c);
}

static inline void mgn_epoll_want(struct mg_connection *c, int readable, int writable) {
  uint32_t want = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
  struct epoll_event ev;
  if (mgn_epoll_fd(c) < 0 || want == mgn_epoll_registered(c)) return;
  memset(&ev, 0, sizeof(ev));
  /* EPOLLERR and EPOLLHUP are reported whatever is asked; listed for clarity. */
  ev.events = want | EPOLLERR | EPOLLHUP;
  ev.data.ptr = c;
  if (epoll_ctl(c->mgr->epoll_fd, EPOLL_CTL_MOD, mgn_epoll_fd(c), &ev) == 0) mgn_epoll_remember(c, want);
}

/* Reads are wanted unless mgnode paused the connection or it is closing. */
static inline void mgn_epoll_update(struct mg_connection *c, int writable) {
  mgn_epoll_want(c, !c->is_full && !c->is_closing, writable);
}

#undef MG_EPOLL_ADD
#undef MG_EPOLL_MOD
#define MG_EPOLL_ADD(c) mgn_epoll_add(c)
#define MG_EPOLL_MOD(c, wr) mgn_epoll_update((c), (wr))

#endif
