#!/usr/bin/env bash
# Runs every fuzz target for a while and prints a Markdown table of executions and crashes per target (paste it
# into benches/README.md). Not run by CI: CI runs the proptest versions (core/tests/decoder_properties.rs,
# core/tests/machine_properties.rs, core/src/redact.rs).
#
#   bash fuzz/run.sh [seconds per target] [target ...]      (default: 300 s, every target)
#
# Pinned: the nightly toolchain cargo-fuzz builds with, and cargo-fuzz itself.
set -euo pipefail

NIGHTLY=nightly-2026-05-20
CARGO_FUZZ_VERSION=0.13.2
SECONDS_PER_TARGET=${1:-300}
shift || true

cd "$(dirname "$0")"

# The pinned nightly: installed under its dated name by rustup, or the machine's `nightly` when it is that very
# build (a machine that cannot download toolchains may have it only under that name).
TOOLCHAIN="$NIGHTLY"
if ! rustup run "$NIGHTLY" rustc --version >/dev/null 2>&1; then
  manifest="$(rustc +nightly --print sysroot 2>/dev/null || true)/lib/rustlib/multirust-channel-manifest.toml"
  if [ -f "$manifest" ] && grep -q "^date = \"${NIGHTLY#nightly-}\"" "$manifest"; then
    TOOLCHAIN=nightly
    echo "using the installed nightly, $(rustc +nightly --version), which is $NIGHTLY" >&2
  else
    rustup toolchain install "$NIGHTLY" --profile minimal
  fi
fi
if [ "$(cargo fuzz --version 2>/dev/null || true)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo "+$TOOLCHAIN" fuzz list)
fi

cargo "+$TOOLCHAIN" fuzz build -O >&2

echo "| target | seconds | executions | executions/s | crashes | corpus |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
total=0
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target" "artifacts/$target"
  seeds=()
  [ -d "seeds/$target" ] && seeds=("seeds/$target")
  log="artifacts/$target/last-run.log"
  stamp="artifacts/$target/.run-started"
  touch "$stamp"
  status=0
  cargo "+$TOOLCHAIN" fuzz run -O "$target" "corpus/$target" "${seeds[@]}" -- \
    -max_total_time="$SECONDS_PER_TARGET" -max_len=4096 -rss_limit_mb=2048 -dict=json.dict \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  runs=${runs:-0}
  # Only this run's findings: artifacts of earlier runs (fixed since, with regression tests) are not counted.
  crashes=$(find "artifacts/$target" -type f -newer "$stamp" \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  corpus=$(find "corpus/$target" -type f | wc -l)
  total=$((total + runs))
  echo "| \`$target\` | $SECONDS_PER_TARGET | $runs | $((runs / SECONDS_PER_TARGET)) | $crashes | $corpus |"
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    echo "$target: libFuzzer exited $status without an artifact; see fuzz/$log" >&2
  fi
done
echo "| **total** | | **$total** | | | |"
