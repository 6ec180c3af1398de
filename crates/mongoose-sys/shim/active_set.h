/*
 * Which connections Mongoose's poll pass visits.
 *
 * Mongoose walks every connection twice per pass (before the wait, to set
 * epoll interest, and after it, to read, write and close), so each idle
 * keep-alive connection costs every pass a few cache misses: 5,000 of them
 * cut hello world to 0.6x node:http. With build/fixes.rs, both walks cover
 * only the connections that can have work: those epoll reported, those mgnode
 * changed through the shim (a send, a close, a pause), new ones, and those
 * still busy after their last visit (bytes queued, closing, TLS mid-record).
 * Every other connection is untouched, so its interest and flags are still
 * right. A full walk still happens when asked (mgn_visit_all, from the
 * engine's timeout sweep, and when the manager is freed), as a safety net
 * for any change that did not go through the shim.
 *
 * The set lives in mgr->userdata (mgnode does not use it otherwise); whether
 * a connection is listed is one byte of its scratch data, before the epoll
 * mask (epoll_interest.h). Loop thread only. Include this header after
 * mongoose.h, in place of epoll_interest.h. With another backend than epoll
 * (build/backend.rs) it gives no-op stand-ins, so callers need no #if.
 */
#ifndef MGNODE_ACTIVE_SET_H
#define MGNODE_ACTIVE_SET_H

#include <stdbool.h>
#include <stdlib.h>

#include "mongoose.h"

#if MG_ENABLE_EPOLL

#include "epoll_interest.h"

struct mgn_active {
  /* Connections to visit in the coming pass, each once. */
  struct mg_connection **next;
  size_t len, cap;
  /* The pass being visited (swapped with `next` when a visit starts). */
  struct mg_connection **visiting;
  size_t visiting_len, visiting_cap;
  /* The coming pass visits every connection. */
  bool all;
};

#define MGN_LISTED_AT (MG_DATA_SIZE - sizeof(uint32_t) - 1)

static inline struct mgn_active *mgn_active_of(const struct mg_mgr *mgr) {
  return (struct mgn_active *) mgr->userdata;
}

/* Gives `mgr` its (empty) set; false if out of memory. */
static inline bool mgn_active_attach(struct mg_mgr *mgr) {
  mgr->userdata = calloc(1, sizeof(struct mgn_active));
  return mgr->userdata != NULL;
}

/* Frees `mgr`'s set, once mg_mgr_free has closed every connection. */
static inline void mgn_active_detach(struct mg_mgr *mgr) {
  struct mgn_active *a = mgn_active_of(mgr);
  if (a == NULL) return;
  free(a->next);
  free(a->visiting);
  free(a);
  mgr->userdata = NULL;
}

/* The coming pass visits every connection. */
static inline void mgn_active_all(struct mg_mgr *mgr) {
  struct mgn_active *a = mgn_active_of(mgr);
  if (a != NULL) a->all = true;
}

/* Adds `c` to the coming pass unless it is there already. */
static inline void mgn_active_mark(struct mg_connection *c) {
  struct mgn_active *a = mgn_active_of(c->mgr);
  if (a == NULL || c->data[MGN_LISTED_AT]) return;
  if (a->len == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 64;
    struct mg_connection **grown = (struct mg_connection **) realloc(a->next, cap * sizeof(*grown));
    /* Out of memory: fall back to walking everything next pass. */
    if (grown == NULL) {
      a->all = true;
      return;
    }
    a->next = grown, a->cap = cap;
  }
  a->next[a->len++] = c;
  c->data[MGN_LISTED_AT] = 1;
}

/* `c` is about to be freed: it must not stay in the coming pass. */
static inline void mgn_active_forget(struct mg_connection *c) {
  struct mgn_active *a = mgn_active_of(c->mgr);
  if (a == NULL || !c->data[MGN_LISTED_AT]) return;
  for (size_t i = 0; i < a->len; i++) {
    if (a->next[i] == c) {
      a->next[i] = a->next[--a->len];
      break;
    }
  }
  c->data[MGN_LISTED_AT] = 0;
}

/*
 * Before the wait: the connections listed for the coming pass (every one
 * when a full walk was asked for). The list stays theirs until the visit.
 */
static inline size_t mgn_active_prepare(struct mg_mgr *mgr, struct mg_connection ***listed) {
  struct mgn_active *a = mgn_active_of(mgr);
  if (a == NULL) return 0;
  if (a->all) {
    a->all = false;
    for (struct mg_connection *c = mgr->conns; c != NULL; c = c->next) mgn_active_mark(c);
  }
  *listed = a->next;
  return a->len;
}

/* After the wait: the connections to visit now, leaving `next` empty for the one after. */
static inline size_t mgn_active_take(struct mg_mgr *mgr, struct mg_connection ***visit) {
  struct mgn_active *a = mgn_active_of(mgr);
  struct mg_connection **swap;
  size_t swap_cap;
  if (a == NULL) return 0;
  swap = a->visiting, swap_cap = a->visiting_cap;
  a->visiting = a->next, a->visiting_cap = a->cap, a->visiting_len = a->len;
  a->next = swap, a->cap = swap_cap, a->len = 0;
  for (size_t i = 0; i < a->visiting_len; i++) a->visiting[i]->data[MGN_LISTED_AT] = 0;
  *visit = a->visiting;
  return a->visiting_len;
}

/*
 * After visiting `c` (still open): clears its readiness and keeps it listed
 * while it has work (the next wait then sets its interest). Otherwise its
 * interest is set now to what it can do (a socket that was waited on for
 * writing and has nothing left to write would be reported writable, and
 * visited, on every pass).
 */
static inline void mgn_active_visited(struct mg_connection *c, bool writable) {
  c->is_readable = c->is_writable = 0;
  if (c->send.len > 0 || c->is_closing || c->is_draining || c->is_tls_hs || c->rtls.len > 0 ||
      mg_tls_pending(c) > 0) {
    mgn_active_mark(c);
  } else {
    mgn_epoll_update(c, writable);
  }
}

#else

/* Other backends walk every connection on each pass (Mongoose's own poll
 * pass, untouched by the fixes), so there is no set to keep. */
static inline bool mgn_active_attach(struct mg_mgr *mgr) {
  (void) mgr;
  return true;
}
static inline void mgn_active_detach(struct mg_mgr *mgr) { (void) mgr; }
static inline void mgn_active_mark(struct mg_connection *c) { (void) c; }
static inline void mgn_active_all(struct mg_mgr *mgr) { (void) mgr; }

#endif /* MG_ENABLE_EPOLL */

#endif
