#!/usr/bin/env bash
# Builds the addon in release mode and runs the Node benchmark (not part of CI). Usage: benches/node/run.sh [calls]
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
(cd ../../bindings-node && { npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-save --no-audit --no-fund --loglevel=error; } && npx napi build --platform --release --no-js --dts native.d.ts)
node bench.js "$@"
