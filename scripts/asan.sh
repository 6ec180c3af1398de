#!/usr/bin/env bash
# Builds the addon with AddressSanitizer (Rust nightly's -Zsanitizer=address
# for the Rust code; -fsanitize=address for Mongoose and the C shim) and runs
# the engine's test files against it: `npm run asan [-- <ava file globs>]`.
# The ASan runtime is gcc's, preloaded into node; leak checking is off (Node
# itself keeps memory to the end of the process by design).
set -euo pipefail
cd "$(dirname "$0")/.."

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
runtime="$(gcc -print-file-name=libasan.so)"
[ -f "$runtime" ] || { echo "asan: gcc's libasan.so not found (apt-get install libasan8)" >&2; exit 1; }

export CARGO_TARGET_DIR="$PWD/target/asan"
export RUSTFLAGS="-Zsanitizer=address -Cforce-frame-pointers=yes"
export CFLAGS="-fsanitize=address -fno-omit-frame-pointer -g"
cargo +nightly build --release --target x86_64-unknown-linux-gnu -p mgnode
lib="$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release/libmgnode.so"
mkdir -p target/asan/addon
cp "$lib" target/asan/addon/mgnode.linux-x64-gnu.node

files=("$@")
[ ${#files[@]} -gt 0 ] || files=(__test__/engine-*.test.mjs __test__/node-*.test.mjs __test__/workers.test.mjs)
npm run build:ts >/dev/null
echo "asan: running ${files[*]}"
LD_PRELOAD="$runtime" \
  ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:allow_user_segv_handler=1" \
  NAPI_RS_NATIVE_LIBRARY_PATH="$PWD/target/asan/addon/mgnode.linux-x64-gnu.node" \
  npx ava --serial --timeout=5m "${files[@]}"
