#!/usr/bin/env bash
# Builds the addon in release mode and runs the Node benchmark (not part of CI).
# Usage: benches/node/run.sh [--off-loop COMMIT] [callsPerRun] [rounds]
#   --off-loop COMMIT  also measures the package as built at COMMIT (e.g. 08ab884, the last commit whose calls
#                      ran on napi's tokio runtime with reqwest): it is checked out in a temporary git worktree
#                      and built in release mode there, into target/offloop (a target directory of its own: in
#                      a shared one cargo takes either tree's workspace crates for the other's).
set -euo pipefail
cd "$(dirname "$0")"
repo="$(cd ../.. && pwd)"
install() { npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-save --no-audit --no-fund --loglevel=error; }
npm ci --no-audit --no-fund --loglevel=error
(cd "$repo/bindings-node" && install && npx napi build --platform --release --no-js --dts native.d.ts)
if [ "${1:-}" = "--off-loop" ]; then
  commit="$2"
  shift 2
  offloop="$(mktemp -d)/minicloud-offloop"
  trap 'git -C "$repo" worktree remove --force "$offloop" >/dev/null 2>&1 || true' EXIT
  git -C "$repo" worktree add --detach "$offloop" "$commit" >/dev/null
  ln -s "$repo/bindings-node/node_modules" "$offloop/bindings-node/node_modules"
  (cd "$offloop/bindings-node" && CARGO_TARGET_DIR="$repo/target/offloop" npx napi build --platform --release --js native.js --dts native.d.ts)
  export MINICLOUD_OFFLOOP_PACKAGE="$offloop/bindings-node"
fi
node bench.js "$@"
