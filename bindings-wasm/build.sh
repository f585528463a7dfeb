#!/usr/bin/env bash
# Builds the npm package minicloud-wasm:
#   pkg/minicloud.wasm      the core (bindings-wasm/src): cargo on the pinned nightly with -Zbuild-std and
#                           panic=immediate-abort (no panic message, no core::fmt), MVP features only
#                           (-Ctarget-cpu=mvp), then wasm-opt -Oz validated with --mvp-features
#                           --enable-mutable-globals; minicloud.wasm.br beside it (brotli, quality 11)
#   pkg/core.mjs            the same module as plain JS (binaryen wasm2js), as `instantiate()`
#   dist/<entry>.mjs        one minified ES module per entry (esbuild), core.mjs (the JS build), minicloud.wasm
#   miniprogram_dist/       CommonJS for the mini-program hosts (WeChat's 构建 npm copies this folder):
#                           <entry>.js, <host>/js.js, core.js (the JS build) and minicloud.wasm.br
# Needs: rustup toolchain $NIGHTLY with rust-src, `npm ci` done here (binaryen, esbuild; pinned).
set -euo pipefail
cd "$(dirname "$0")"
NIGHTLY=${MINICLOUD_WASM_NIGHTLY:-nightly-2026-05-19}
target_dir=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
# Its own target directory: std is rebuilt for this one artifact, the native crates stay on stable. The crate
# is built as a cdylib alone (`cargo rustc --crate-type cdylib`): built together with its rlib, the same code
# comes out 2 KB larger gzipped (benches/README.md).
RUSTFLAGS="-Ctarget-cpu=mvp -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none" \
  cargo "+$NIGHTLY" rustc -p minicloud-wasm --crate-type cdylib --target wasm32-unknown-unknown \
  --profile wasm-release -Zbuild-std=std,panic_abort --target-dir "$target_dir/wasm-size"
built="$target_dir/wasm-size/wasm32-unknown-unknown/wasm-release/minicloud_wasm.wasm"

rm -rf pkg dist miniprogram_dist
mkdir -p pkg dist miniprogram_dist
opt=node_modules/.bin/wasm-opt
mvp="--mvp-features --enable-mutable-globals"
# --low-memory-unused lets wasm-opt fold constant offsets into loads and stores; --converge repeats -Oz until it
# stops shrinking; the strip flags drop custom sections no host reads.
# shellcheck disable=SC2086
"$opt" $mvp --low-memory-unused --merge-similar-functions --flatten --rereloop -Oz -Oz --merge-similar-functions \
  --converge --strip-debug --strip-producers --strip-target-features -o pkg/minicloud.wasm "$built"
# The proof that it is MVP + mutable globals only: wasm-opt refuses any other feature when validating.
# shellcheck disable=SC2086
"$opt" $mvp pkg/minicloud.wasm -o /dev/null
node -e 'const fs=require("fs"),z=require("zlib");fs.writeFileSync(process.argv[2],z.brotliCompressSync(fs.readFileSync(process.argv[1]),{params:{[z.constants.BROTLI_PARAM_QUALITY]:11,[z.constants.BROTLI_PARAM_MODE]:z.constants.BROTLI_MODE_GENERIC}}))' \
  pkg/minicloud.wasm pkg/minicloud.wasm.br
node_modules/.bin/wasm2js pkg/minicloud.wasm -Oz -o pkg/wasm2js.mjs
node js/wrap-wasm2js.mjs pkg/wasm2js.mjs pkg/core.mjs
rm pkg/wasm2js.mjs

esbuild=node_modules/.bin/esbuild
# The JS build (core.mjs / core.js) stays outside every bundle: entries that never run it never load it, and
# the entries that do share one copy.
common=(--bundle --minify --log-level=warning --external:./core.js --external:./core.mjs)
entries=(js/{wx,wx-js,qq,my,swan,tt,tt-js,jd,ks}.js)
# ES modules (bundlers, Taro/uni-app, the web), ES2020 (import.meta, for the web entry's binary).
"$esbuild" "${entries[@]}" js/web.js js/web-js.js "${common[@]}" --target=es2020 --format=esm --outdir=dist \
  --out-extension:.js=.mjs
"$esbuild" pkg/core.mjs --minify --log-level=warning --target=es2020 --format=esm --outfile=dist/core.mjs
cp pkg/minicloud.wasm dist/
# CommonJS for the mini-program hosts' own npm builds (WeChat's 构建 npm copies miniprogram_dist/), ES2018.
# `minicloud-wasm/<host>/js` resolves to <host>/js.js there: a one-line module naming the flat file.
"$esbuild" "${entries[@]}" "${common[@]}" --target=es2018 --format=cjs --outdir=miniprogram_dist
sed -i 's#require("./core.mjs")#require("./core.js")#' miniprogram_dist/*.js
"$esbuild" pkg/core.mjs --minify --log-level=warning --target=es2018 --format=cjs --outfile=miniprogram_dist/core.js
for host in wx qq my swan tt jd ks; do
  mkdir -p "miniprogram_dist/$host"
  flat=$host-js.js
  [ -f "miniprogram_dist/$flat" ] || flat=$host.js
  printf "module.exports = require('../%s');\n" "$flat" >"miniprogram_dist/$host/js.js"
done
cp pkg/minicloud.wasm.br miniprogram_dist/
ls -l pkg dist miniprogram_dist
