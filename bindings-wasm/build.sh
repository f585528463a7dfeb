#!/usr/bin/env bash
# Builds the npm package minicloud-wasm:
#   pkg/minicloud.wasm      the core (bindings-wasm/src): cargo on the pinned nightly with -Zbuild-std and
#                           panic=immediate-abort (no panic message, no core::fmt), MVP features only
#                           (-Ctarget-cpu=mvp), then wasm-opt -Oz validated with --mvp-features
#                           --enable-mutable-globals; minicloud.wasm.br beside it (brotli, quality 11)
#   pkg/core.mjs            the same module as plain JS (binaryen wasm2js), as `instantiate()`
#   dist/<host>.mjs         one minified ES module per entry, dist/<host>-js.mjs its JS-build variant (esbuild)
#   miniprogram_dist/       CommonJS for the mini-program hosts (WeChat's 构建 npm copies this folder):
#                           <host>.js, <host>/js.js, core.js (the JS build) and minicloud.wasm.br
# Needs: rustup toolchain $NIGHTLY with rust-src, `npm ci` done here (binaryen, esbuild; pinned).
set -euo pipefail
cd "$(dirname "$0")"
NIGHTLY=${MINICLOUD_WASM_NIGHTLY:-nightly-2026-05-19}
target_dir=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
# Its own target directory: std is rebuilt for this one artifact, the native crates stay on stable.
RUSTFLAGS="-Ctarget-cpu=mvp -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none" \
  cargo "+$NIGHTLY" build -p minicloud-wasm --target wasm32-unknown-unknown --profile wasm-release \
  -Zbuild-std=std,panic_abort --target-dir "$target_dir/wasm-size"
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
# ES2020 for the ES modules (import.meta, for the web entry's binary), ES2018 for the mini-program hosts.
common=(--bundle --minify --log-level=warning --external:./core.js --external:./core.mjs)
# ES modules (bundlers, Taro/uni-app, the web): every entry, and the /js variants with the JS build bundled.
"$esbuild" js/{wx,qq,my,swan,tt,jd,ks,web}.js "${common[@]}" --target=es2020 --format=esm \
  --define:MINICLOUD_JS_BUILD=false --outdir=dist --out-extension:.js=.mjs
for host in wx qq my swan tt jd ks web; do
  "$esbuild" "js/$host.js" "${common[@]}" --target=es2020 --format=esm --define:MINICLOUD_JS_BUILD=true \
    --outfile="dist/$host-js.mjs"
done
"$esbuild" pkg/core.mjs --minify --log-level=warning --target=es2020 --format=esm --outfile=dist/core.mjs
cp pkg/minicloud.wasm dist/
# CommonJS for the mini-program hosts' own npm builds (WeChat's 构建 npm, the other devtools alike).
"$esbuild" js/{wx,qq,my,swan,tt,jd,ks}.js "${common[@]}" --target=es2018 --format=cjs \
  --define:MINICLOUD_JS_BUILD=false --outdir=miniprogram_dist
for host in wx qq my swan tt jd ks; do
  "$esbuild" "js/$host.js" "${common[@]}" --target=es2018 --format=cjs --define:MINICLOUD_JS_BUILD=true \
    --outfile="miniprogram_dist/$host/js.js"
done
"$esbuild" pkg/core.mjs --minify --log-level=warning --target=es2018 --format=cjs --outfile=miniprogram_dist/core.js
cp pkg/minicloud.wasm.br miniprogram_dist/
ls -l pkg dist miniprogram_dist
