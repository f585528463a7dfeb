#!/usr/bin/env bash
# Builds the npm package's wasm core into bindings-wasm/pkg/: cargo (profile wasm-release: opt-level z, LTO,
# one codegen unit, panic=abort) → wasm-bindgen --target web with the reset-state function (the CLI must be the
# crate's exact version) →
# the glue patch (js/patch-glue.mjs) → wasm-opt -Oz --converge (binaryen from npm, pinned in package.json) →
# short import/export names (wasm-opt, then js/rename-glue.mjs on the glue) →
# one minified ES module per entry in dist/ (esbuild from npm, pinned).
# Needs: rustup target wasm32-unknown-unknown, wasm-bindgen-cli, `npm ci` done here.
set -euo pipefail
cd "$(dirname "$0")"
target_dir=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
cargo build -p minicloud-wasm --target wasm32-unknown-unknown --profile wasm-release
rm -rf pkg
# --experimental-reset-state-function: the glue can adopt a fresh instance after a trap (js/baas.js), and ties
# every callback and finalizer to the instance that made it, so none of a trapped instance's reaches the new one.
wasm-bindgen --target web --no-typescript --experimental-reset-state-function --out-dir pkg --out-name minicloud_wasm \
  "$target_dir/wasm32-unknown-unknown/wasm-release/minicloud_wasm.wasm"
node js/patch-glue.mjs pkg/minicloud_wasm.js
# --low-memory-unused lets wasm-opt fold constant offsets into loads and stores (Rust puts the stack below 1 MiB
# and its data above, so the low 1 KiB is never addressed); --merge-similar-functions and a --flatten
# --rereloop pass before -Oz each save a few hundred bytes; --converge repeats -Oz until it stops shrinking;
# the strip flags drop custom sections no host reads;
# --minify-imports-and-exports-and-modules shortens the hashed import/export names and prints the mapping,
# which js/rename-glue.mjs applies to the glue.
wasm_features="--enable-bulk-memory --enable-reference-types --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-multivalue"
# shellcheck disable=SC2086
node_modules/.bin/wasm-opt --low-memory-unused --merge-similar-functions --flatten --rereloop -Oz -Oz \
  --merge-similar-functions --converge --strip-debug --strip-producers --strip-target-features $wasm_features \
  -o pkg/minicloud_wasm_bg.wasm pkg/minicloud_wasm_bg.wasm
# shellcheck disable=SC2086
node_modules/.bin/wasm-opt --minify-imports-and-exports-and-modules $wasm_features \
  -o pkg/minicloud_wasm_bg.wasm pkg/minicloud_wasm_bg.wasm >pkg/names.json
node js/rename-glue.mjs pkg/minicloud_wasm.js pkg/names.json pkg/minicloud_wasm_bg.wasm
rm pkg/names.json
# What ships: each host entry bundled with the BaaS layer, the runtime shims, its adapter and the glue into one
# minified ES module, dist/<entry>.js (esbuild from npm, pinned in package.json; module order is kept, so
# the runtime shims still run before the glue). The tests import these files.
rm -rf dist
node_modules/.bin/esbuild js/{wx,qq,my,swan,tt,jd,ks,web}.js --bundle --format=esm --minify --log-level=warning \
  --outdir=dist
ls -l pkg dist
