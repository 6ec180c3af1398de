#!/usr/bin/env bash
# Runs the coverage-guided fuzzers of the request parser and the chunked
# decoder (crates/mgnode/fuzz) for a set time each: `npm run fuzz -- 600`.
# Needs the nightly toolchain and cargo-fuzz; installs cargo-fuzz if missing.
# Inputs found to crash are written under crates/mgnode/fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/../crates/mgnode"

seconds="${1:-60}"
targets=(request_parser chunked)

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked

# Seeds: the committed corpus, plus every framing vector (a leading 0 byte:
# the first byte of an input chooses how the rest is split into reads).
node ../../scripts/fuzz-seeds.mjs fuzz/corpus

for target in "${targets[@]}"; do
  echo "== $target: ${seconds}s"
  mkdir -p "fuzz/corpus/$target"
  cargo +nightly fuzz run -O "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -max_len=4096 -print_final_stats=1
done
