//! Compiles Mongoose plus mgnode's C shim.
//!
//! Mongoose's source is never committed: `scripts/fetch-mongoose.mjs` puts a
//! pinned, checksum-verified release in `<workspace>/vendor/mongoose`, and
//! `MONGOOSE_SRC_DIR` may point at a local copy instead. The copy compiled is
//! the one `build/fixes.rs` writes to OUT_DIR, with mgnode's fixes applied.

#[path = "build/backend.rs"]
mod backend;
#[path = "build/fixes.rs"]
mod fixes;

use backend::Backend;

use std::env;
use std::path::PathBuf;

fn main() {
  let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
  let workspace = manifest.join("../..");
  println!("cargo:rerun-if-env-changed=MONGOOSE_SRC_DIR");
  println!("cargo:rerun-if-env-changed=MGNODE_MONGOOSE_LOG");
  let src_dir = env::var_os("MONGOOSE_SRC_DIR").map(PathBuf::from).unwrap_or_else(|| workspace.join("vendor/mongoose"));
  let mongoose_c = src_dir.join("mongoose.c");
  if !mongoose_c.exists() {
    panic!(
      "Mongoose source not found in {}. Run `npm run fetch-mongoose` (or set MONGOOSE_SRC_DIR).",
      src_dir.display()
    );
  }
  println!("cargo:rerun-if-changed={}", mongoose_c.display());
  println!("cargo:rerun-if-changed={}", src_dir.join("mongoose.h").display());
  println!("cargo:rerun-if-changed=shim/shim.c");
  println!("cargo:rerun-if-changed=shim/shim.h");
  println!("cargo:rerun-if-changed=shim/tls.c");
  println!("cargo:rerun-if-changed=shim/tls.h");
  println!("cargo:rerun-if-changed=shim/alloc.c");
  println!("cargo:rerun-if-changed=shim/os_socket.c");
  println!("cargo:rerun-if-changed=shim/os_socket.h");
  println!("cargo:rerun-if-changed=shim/epoll_interest.h");
  println!("cargo:rerun-if-changed=shim/active_set.h");
  println!("cargo:rerun-if-changed=build/fixes.rs");
  println!("cargo:rerun-if-changed=build/backend.rs");
  let backend = Backend::for_target();
  let fixed = fixes::fixed_source(&mongoose_c, &PathBuf::from(env::var("OUT_DIR").unwrap()), backend == Backend::Epoll);

  // Mongoose logs at DEBUG by default; compile logging out unless asked for.
  let log = env::var("MGNODE_MONGOOSE_LOG").map(|v| v == "1").unwrap_or(false);

  let mut build = cc::Build::new();
  for (name, value) in backend.defines(fixed.epoll_ready) {
    build.define(name, value);
  }
  build
    .file(&fixed.path)
    .file(manifest.join("shim/shim.c"))
    .file(manifest.join("shim/tls.c"))
    .file(manifest.join("shim/alloc.c"))
    .file(manifest.join("shim/os_socket.c"))
    .include(&src_dir)
    .include(manifest.join("shim"))
    .opt_level(2)
    .warnings(false)
    // TLS is rustls, in the mgnode crate: it provides the mg_tls_* hooks
    // (crates/mgnode/src/tls/hooks.rs) over the accessors of shim/tls.c.
    .define("MG_TLS", "MG_TLS_CUSTOM")
    .define("MG_ENABLE_IPV6", "1")
    .define("MG_IPV6_V6ONLY", "0")
    .define("MG_MAX_HTTP_HEADERS", "100")
    // Read in large slices; mgnode consumes c->recv after every read.
    .define("MG_IO_SIZE", "32768")
    .define("MG_SOCK_LISTEN_BACKLOG_SIZE", "511")
    .define("MG_ENABLE_LOG", if log { "1" } else { "0" })
    .compile("mongoose");
  backend::link_system_libraries();
}
