#!/usr/bin/env bash
# Packs the npm package `minicloud` and its platform packages (`minicloud-<platform>`, bindings-node/npm/):
#   scripts/package-node.sh OUT_DIR              builds this machine's addon (napi build --release), then packs
#   scripts/package-node.sh OUT_DIR NODE_DIR     packs prebuilt addons (`minicloud.<platform>.node` and
#                                                native.d.ts in NODE_DIR, as scripts/build-release.sh makes them)
# Writes OUT_DIR/minicloud-<version>.tgz and one OUT_DIR/minicloud-<platform>-<version>.tgz per built platform.
# `minicloud`'s optionalDependencies (one per napi target, at its version: the napi-rs convention) are written
# into a staged copy, never into the checked-in package.json, whose lock must stay installable before the
# platform packages are published. Each package's prepack guard (bindings-node/scripts/prepack.js) refuses a
# package without its binary or its optionalDependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
NODE="$ROOT/bindings-node"
OUT="${1:?usage: scripts/package-node.sh OUT_DIR [NODE_DIR]}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

[ -d "$NODE/node_modules/@napi-rs/cli" ] || (cd "$NODE" && npm ci --no-audit --no-fund --loglevel=error)

if [ $# -ge 2 ]; then
  ADDONS="$(cd "$2" && pwd)"
else
  ADDONS="$OUT/node-addon"
  rm -rf "$ADDONS"
  (cd "$NODE" && npx napi build --platform --release --no-js --dts native.d.ts --output-dir "$ADDONS")
fi
[ -f "$ADDONS/native.d.ts" ] || { echo "$ADDONS/native.d.ts is missing" >&2; exit 1; }

# Platform packages: each minicloud.<platform>.node into npm/<platform>/, packed there (its prepack guard checks
# the binary). `napi artifacts` would do the copy but insists on every target's binary at once.
rm -f "$NODE"/npm/*/*.node
for addon in "$ADDONS"/minicloud.*.node; do
  platform="$(basename "$addon" .node)" && platform="${platform#minicloud.}"
  [ -d "$NODE/npm/$platform" ] || { echo "$addon: no package bindings-node/npm/$platform" >&2; exit 1; }
  cp "$addon" "$NODE/npm/$platform/"
  (cd "$NODE/npm/$platform" && npm pack --silent --pack-destination "$OUT" >/dev/null)
  rm "$NODE/npm/$platform/$(basename "$addon")"
done

# The root package, staged with its optionalDependencies.
STAGE="$OUT/stage-minicloud"
rm -rf "$STAGE"
mkdir -p "$STAGE/scripts"
cp "$NODE"/{package.json,README.md,LICENSE,index.js,index.d.ts,native.js} "$STAGE/"
cp "$ADDONS/native.d.ts" "$STAGE/"
cp "$NODE/scripts/prepack.js" "$STAGE/scripts/"
node -e '
  const fs = require("node:fs")
  const file = process.argv[1]
  const manifest = JSON.parse(fs.readFileSync(file, "utf8"))
  manifest.optionalDependencies = {}
  for (const dir of fs.readdirSync(process.argv[2]).sort()) {
    manifest.optionalDependencies[`${manifest.napi.binaryName}-${dir}`] = manifest.version
  }
  fs.writeFileSync(file, JSON.stringify(manifest, null, 2) + "\n")
' "$STAGE/package.json" "$NODE/npm"
(cd "$STAGE" && npm pack --silent --pack-destination "$OUT" >/dev/null)
rm -rf "$STAGE"
ls -l "$OUT"/*.tgz
