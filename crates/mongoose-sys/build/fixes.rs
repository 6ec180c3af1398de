//! Fixes applied to Mongoose's source at build time, in a copy under OUT_DIR
//! (the fetched release stays as published and checksummed).
//!
//! Each fix names the statements it replaces by a first and a last line. When
//! a Mongoose other than the pinned one (MONGOOSE_SRC_DIR) lacks them, the
//! build warns and compiles that source as it is.

use std::fs;
use std::path::{Path, PathBuf};

struct Fix {
  why: &'static str,
  /// The epoll backend spins without this fix; build.rs falls back to poll.
  epoll: bool,
  first: &'static str,
  last: &'static str,
  with: &'static str,
}

const FIXES: &[Fix] = &[
  // epoll: a connection's interest follows what it can do (see shim/epoll_interest.h).
  Fix {
    epoll: true,
    why: "epoll interest kept by mgnode's shim, so paused connections do not spin the loop",
    first: "#include \"mongoose.h\"",
    last: "#include \"mongoose.h\"",
    with: "#include \"mongoose.h\"\n#include \"active_set.h\"",
  },
  // Both walks of a poll pass cover only connections that can have work (see shim/active_set.h).
  Fix {
    epoll: true,
    // Also bounds epoll_wait's event array, which is on the stack (Mongoose sized it
    // by the number of connections).
    // A connection draining with nothing left to send closes in the pass
    // after the wait: the wait must not sleep (a `Connection: close`
    // response's FIN came up to 50 ms late).
    why: "before each wait, epoll interest brought up to date for the connections with work only",
    first: "size_t max = 1;",
    last: "    max++;\n  }",
    with: "size_t max = 1024;\n  \
           struct mg_connection **visit = NULL;\n  \
           size_t listed = mgn_active_prepare(mgr, &visit);\n  \
           for (size_t k = 0; k < listed; k++) {\n    \
           struct mg_connection *c = visit[k];\n    \
           c->is_readable = c->is_writable = 0;\n    \
           if (c->rtls.len > 0 || mg_tls_pending(c) > 0) ms = 1, c->is_readable = 1;\n    \
           mgn_epoll_update(c, can_write(c));\n    \
           if (c->is_closing || (c->is_draining && c->send.len == 0)) ms = 1;\n  \
           }",
  },
  Fix {
    epoll: true,
    why: "a connection epoll reports is visited in this pass",
    first: "struct mg_connection *c = (struct mg_connection *) evs[i].data.ptr;",
    last: "struct mg_connection *c = (struct mg_connection *) evs[i].data.ptr;",
    with: "struct mg_connection *c = (struct mg_connection *) evs[i].data.ptr;\n    mgn_active_mark(c);",
  },
  Fix {
    epoll: true,
    why: "the pass visits the listed connections instead of all of them",
    first: "  for (c = mgr->conns; c != NULL; c = tmp) {\n    bool is_resp = c->is_resp;\n    tmp = c->next;",
    last: "  for (c = mgr->conns; c != NULL; c = tmp) {\n    bool is_resp = c->is_resp;\n    tmp = c->next;",
    with: "  struct mg_connection **visit = NULL;\n  \
           size_t listed = mgn_active_take(mgr, &visit);\n  \
           (void) tmp;\n  \
           for (size_t k = 0; k < listed; k++) {\n    \
           bool is_resp;\n    \
           c = visit[k];\n    \
           is_resp = c->is_resp;",
  },
  Fix {
    epoll: true,
    why: "a visited connection stays listed while it has work",
    first: "if (c->is_draining && c->send.len == 0) c->is_closing = 1;\n    if (c->is_closing) close_conn(c);",
    last: "if (c->is_draining && c->send.len == 0) c->is_closing = 1;\n    if (c->is_closing) close_conn(c);",
    with: "if (c->is_draining && c->send.len == 0) c->is_closing = 1;\n    \
           if (c->is_closing) close_conn(c);\n    \
           else mgn_active_visited(c, can_write(c));",
  },
  Fix {
    epoll: true,
    why: "a closed connection leaves the list before it is freed",
    first: "epoll_ctl(c->mgr->epoll_fd, EPOLL_CTL_DEL, FD(c), NULL);",
    last: "epoll_ctl(c->mgr->epoll_fd, EPOLL_CTL_DEL, FD(c), NULL);",
    with: "mgn_active_forget(c);\n    epoll_ctl(c->mgr->epoll_fd, EPOLL_CTL_DEL, FD(c), NULL);",
  },
  Fix {
    epoll: false,
    why: "a listener accepts every waiting connection in one pass (up to 128), not one per pass",
    first: "if (c->is_readable) accept_conn(mgr, c);",
    last: "if (c->is_readable) accept_conn(mgr, c);",
    with: "for (int k = 0; k < 128 && c->is_readable; k++) {\n        \
           struct mg_connection *newest = mgr->conns;\n        \
           accept_conn(mgr, c);\n        \
           if (mgr->conns == newest) break; /* nothing left to accept (or it failed) */\n      \
           }",
  },
  // A read of 0 bytes (the peer's FIN) made Mongoose close the connection at
  // once, dropping responses still queued: a client that sends its requests
  // and then ends its side got no answer. mgnode stops reading instead and
  // answers first, as node:http does.
  // Out of descriptors, accept fails and leaves the listener readable: with
  // a level-triggered wait the loop spun at full CPU until one freed up.
  Fix {
    epoll: false,
    why: "a listener whose accept runs out of descriptors stops being watched until the engine resumes it (EMFILE)",
    first: "MG_ERROR((\"%lu accept failed, errno %d\", lsn->id, MG_SOCK_ERR(-1)));",
    last: "MG_ERROR((\"%lu accept failed, errno %d\", lsn->id, MG_SOCK_ERR(-1)));",
    with: "mgn_accept_failed(lsn);",
  },
  Fix {
    epoll: false,
    why: "the end of a peer's stream stops reading instead of closing (half-close)",
    first: "n = recv(FD(c), (char *) buf, len, MSG_NONBLOCKING);",
    last: "n = recv(FD(c), (char *) buf, len, MSG_NONBLOCKING);",
    with: "n = recv(FD(c), (char *) buf, len, MSG_NONBLOCKING);\n    \
           if (n == 0) {\n      \
           mgn_peer_done(c);\n      \
           return MG_IO_WAIT;\n    \
           }",
  },
  Fix {
    epoll: false,
    why: "I/O buffers allocated without zeroing (see shim/alloc.c)",
    first: "void *p = mg_calloc(1, new_size);",
    last: "void *p = mg_calloc(1, new_size);",
    with: "void *p = mgn_iobuf_alloc(new_size);",
  },
  // Mongoose wipes every I/O buffer it frees or shrinks one byte at a time
  // (a volatile loop the compiler may not vectorise): 64 KiB per closed
  // connection and every byte a response sends. mgn_wipe is memset behind a
  // compiler barrier, as explicit_bzero is, and cannot be optimised away either.
  Fix {
    epoll: false,
    why: "buffers wiped with memset (a barrier keeps it) instead of a byte-by-byte loop",
    first: "while (len--) *buf++ = 0;",
    last: "while (len--) *buf++ = 0;",
    with: "mgn_wipe((void *) buf, len);",
  },
  // ...and it wiped all of a buffer's capacity, so freeing a connection's
  // 32 KiB buffers faulted in the pages mgn_iobuf_alloc had left untouched.
  // The bytes past `len` were never written or were wiped when dropped
  // (mg_iobuf_del), except HTTP bytes mgnode drops without wiping
  // (shim.c's drop_front), as node:http leaves its socket reads.
  Fix {
    epoll: false,
    why: "a freed I/O buffer is wiped up to what it holds, not its whole capacity",
    first: "    mg_bzero(io->buf, io->size);\n    mg_free(io->buf);\n    io->buf = NULL;",
    last: "    mg_bzero(io->buf, io->size);\n    mg_free(io->buf);\n    io->buf = NULL;",
    with: "    mg_bzero(io->buf, io->len);\n    mg_free(io->buf);\n    io->buf = NULL;",
  },
  Fix {
    epoll: false,
    why: "a moved I/O buffer is wiped up to what it held, not its whole capacity",
    first: "      mg_bzero(io->buf, io->size);\n      mg_free(io->buf);\n      io->buf = (unsigned char *) p;",
    last: "      mg_bzero(io->buf, io->size);\n      mg_free(io->buf);\n      io->buf = (unsigned char *) p;",
    with: "      mg_bzero(io->buf, io->len);\n      mg_free(io->buf);\n      io->buf = (unsigned char *) p;",
  },
  // IPv6 sockets are v6-only by default on Windows (and on Linux with
  // net.ipv6.bindv6only=1), so a server on [::] did not take IPv4. mgnode
  // asks for MG_IPV6_V6ONLY=0 and now gets it everywhere, as libuv sets it.
  Fix {
    epoll: false,
    why: "an IPv6 listener's IPV6_V6ONLY is set to MG_IPV6_V6ONLY on every system, not only when it is 1",
    first: "#if MG_IPV6_V6ONLY\n      // Bind only to the V6 address, not V4 address on this port\n    } else if (c->loc.is_ip6 &&\n               (rc = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, (char *) &on,",
    last: "#if MG_IPV6_V6ONLY\n      // Bind only to the V6 address, not V4 address on this port\n    } else if (c->loc.is_ip6 &&\n               (rc = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, (char *) &on,",
    with: "#if 1\n    } else if (c->loc.is_ip6 &&\n               \
           (rc = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, (on = MG_IPV6_V6ONLY, (char *) &on),",
  },
];

/// Declares the shim functions the fixes call, ahead of Mongoose's code.
const PRELUDE: &str = "#include <stddef.h>\n#include <stdint.h>\n\
                       void *mgn_iobuf_alloc(size_t size);\n\
                       void mgn_wipe(void *buf, size_t len);\n\
                       struct mg_connection;\n\
                       void mgn_peer_done(struct mg_connection *c);\n\
                       void mgn_accept_failed(struct mg_connection *lsn);\n";

/// The source to compile, and whether every fix the epoll backend needs went in.
pub struct FixedSource {
  pub path: PathBuf,
  pub epoll_ready: bool,
}

/// Writes `mongoose.c` with the fixes applied to `out_dir`. The epoll fixes
/// go in only for the epoll backend: they route Mongoose's poll pass through
/// shim/active_set.h, which only epoll's interest tracking keeps right.
pub fn fixed_source(mongoose_c: &Path, out_dir: &Path, epoll: bool) -> FixedSource {
  let mut src = fs::read_to_string(mongoose_c).expect("read mongoose.c");
  let mut epoll_ready = epoll;
  for fix in FIXES.iter().filter(|fix| epoll || !fix.epoll) {
    match span(&src, fix) {
      Some((start, end)) => src.replace_range(start..end, fix.with),
      None => {
        println!("cargo:warning=Mongoose source differs from the pinned release; not applied: {}", fix.why);
        epoll_ready &= !fix.epoll;
      }
    }
  }
  let path = out_dir.join("mongoose.c");
  fs::write(&path, format!("{PRELUDE}{src}")).expect("write fixed mongoose.c");
  FixedSource { path, epoll_ready }
}

/// Byte range from the start of `first` to the end of `last`, when each occurs exactly once and in that order.
fn span(src: &str, fix: &Fix) -> Option<(usize, usize)> {
  let start = unique(src, fix.first)?;
  let end = unique(src, fix.last)? + fix.last.len();
  (start < end).then_some((start, end))
}

fn unique(src: &str, needle: &str) -> Option<usize> {
  let at = src.find(needle)?;
  src[at + needle.len()..].find(needle).is_none().then_some(at)
}
