//! Which readiness backend Mongoose's poll pass uses on the target system.
//! The only place the build looks at the target's operating system.

use std::env;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Backend {
  /// Linux: epoll, with mgnode's fixes (build/fixes.rs, shim/active_set.h,
  /// shim/epoll_interest.h). poll(2) costs the kernel a visit to every
  /// connection on every pass, which collapses throughput with thousands of
  /// idle keep-alive connections.
  Epoll,
  /// Everywhere else: Mongoose's poll backend (WSAPoll on Windows, where
  /// Mongoose defines `poll` as `WSAPoll`). Mongoose has no kqueue or IOCP
  /// backend; its other choice, select, watches at most FD_SETSIZE sockets
  /// (1024 on macOS and the BSDs, where Mongoose then refuses higher
  /// descriptors; 64 on Windows, where further sockets are silently not
  /// watched), so a server would stall past that. poll has no such limit. It
  /// leaves out reading interest for a connection mgnode paused (is_full:
  /// Mongoose skips a connection that can neither read nor write, and asks
  /// only POLLOUT of one that can only write), so a paused connection does
  /// not wake the loop as it did with Mongoose's epoll.
  Poll,
}

impl Backend {
  /// The backend for the target being built (not the build machine).
  pub fn for_target() -> Backend {
    match env::var("CARGO_CFG_TARGET_OS").as_deref() {
      Ok("linux") | Ok("android") => Backend::Epoll,
      _ => Backend::Poll,
    }
  }

  /// Mongoose's `MG_ENABLE_EPOLL` and `MG_ENABLE_POLL`, given whether the
  /// source took the fixes the epoll backend needs (without them it spins:
  /// poll instead).
  pub fn defines(self, epoll_fixed: bool) -> [(&'static str, &'static str); 2] {
    let epoll = self == Backend::Epoll && epoll_fixed;
    [("MG_ENABLE_EPOLL", if epoll { "1" } else { "0" }), ("MG_ENABLE_POLL", if epoll { "0" } else { "1" })]
  }
}

/// System libraries the target needs beyond what Rust's standard library links.
pub fn link_system_libraries() {
  // Winsock: MSVC builds get it from Mongoose's `#pragma comment(lib)`, GNU
  // toolchains ignore that pragma. Rust's std links it too today; being
  // explicit keeps the shim's WSASend from depending on that.
  if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("windows") {
    println!("cargo:rustc-link-lib=ws2_32");
  }
}
