#!/usr/bin/env bash
# Installs every package from outside the repository, as a user would, and calls a cloud function through it:
#   scripts/test-packages.sh               CI: packs this machine's packages (release profile) into
#                                          target/packages/, then installs them
#   scripts/test-packages.sh --dist DIST   installs scripts/build-release.sh's x86_64 Linux artifacts instead
# In fresh temp folders outside the checkout: the CLI (`cargo install --path cli`, or the static musl binary)
# starts the engine on a free port with a copy of examples/functions; an npm project installs the `minicloud`
# tarballs (and type-checks a usage file with only typescript and @types/node), another installs it without its
# platform package and must be told which one is missing; a venv installs the wheel; a Maven project resolves the
# Kotlin jar from a file repository (natives from the jar, no library path); each invokes helloWorld and checks
# `hello allen`. Also checks the packages' hygiene (LICENSE, README, URLs). Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
step() { printf "\n==> packages (%ss): %s\n" "$SECONDS" "$*"; }

DIST=""
if [ "${1:-}" = --dist ]; then DIST="$(cd "${2:?--dist needs a folder}" && pwd)"; fi
# shellcheck source=scripts/release-tools.sh
source "$ROOT/scripts/release-tools.sh"
VERSION="$(node -p 'require("./bindings-node/package.json").version')"
TYPESCRIPT="$(node -p 'require("./bindings-node/package.json").devDependencies.typescript')"
TYPES_NODE="$(node -p 'require("./bindings-node/package.json").devDependencies["@types/node"]')"

step "tools (Java 17, Maven, Python venv, pinned maturin)"
for tool in java:openjdk-17-jdk-headless mvn:maven; do
  command -v "${tool%%:*}" >/dev/null || {
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update && $sudo apt-get install -y "${tool#*:}"
  }
done
release_tools

if [ -z "$DIST" ]; then
  PKG="$ROOT/target/packages"
  rm -rf "$PKG" && mkdir -p "$PKG"/{npm,python,kotlin}
  # Each tool builds what users get (release). Cargo resolves features per selection of packages, so the addon,
  # the uniffi library and the CLI each build their dependencies once, in their own variant; the jar takes the
  # wheel's build of the uniffi library, and the debug uniffi-bindgen maturin ran (test-uniffi.sh builds it too).
  step "npm pack (scripts/package-node.sh: napi build --release; minicloud-wasm as bindings-wasm/build.sh built it)"
  bash scripts/package-node.sh "$PKG/npm"
  [ -f bindings-wasm/dist/web.mjs ] || bash bindings-wasm/build.sh
  (cd bindings-wasm && npm pack --pack-destination "$PKG/npm" --loglevel=error >/dev/null)
  step "maturin build --release"
  build_wheel --locked --release --out "$PKG/python"
  step "mvn package (generates the bindings, puts this machine's library in the jar)"
  (cd bindings-uniffi/kotlin && mvn -B -q package -Dmaven.test.skip=true -Dminicloud.cargo.skip=true \
    -Dminicloud.libdir="$ROOT/target/release" -Dminicloud.bindgen="$ROOT/target/debug/uniffi-bindgen")
  cp "bindings-uniffi/kotlin/target/minicloud-kotlin-$VERSION.jar" "$PKG/kotlin/"
  cp bindings-uniffi/kotlin/pom.xml "$PKG/kotlin/minicloud-kotlin-$VERSION.pom"
else
  PKG="$DIST"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/minicloud-packages.XXXXXX")"
ENGINE_PID=""
cleanup() {
  [ -z "$ENGINE_PID" ] || kill "$ENGINE_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
case "$WORK" in "$ROOT"/*) echo "the temp folder $WORK is inside the repository" >&2; exit 1 ;; esac

passed=0 failed=0
# check NAME COMMAND...: runs COMMAND, counts it, shows its output when it fails.
# COMMAND runs as a background job so that `set -e` still stops it at its first failing line.
check() {
  local name="$1"; shift
  "$@" >"$WORK/check.log" 2>&1 &
  if wait $!; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); echo "FAIL $name"; sed 's/^/     /' "$WORK/check.log"
  fi
}

step "the CLI"
if [ -z "$DIST" ]; then
  cargo install --locked --quiet --path cli --root "$WORK/cli" --target-dir "$ROOT/target"
  CLI="$WORK/cli/bin/minicloud"
else
  CLI="$WORK/cli/minicloud"
  mkdir -p "$WORK/cli" && cp "$DIST/cli/minicloud-$VERSION-x86_64-linux-musl" "$CLI"
fi

step "start the engine with the installed CLI"
mkdir -p "$WORK/functions" && cp -r examples/functions/helloWorld "$WORK/functions/"
export MINICLOUD_CLIENT_ID="pkg-test"
"$CLI" serve "$WORK/functions" --port 0 --client-id "$MINICLOUD_CLIENT_ID" --allow-anonymous \
  >"$WORK/engine.out" 2>"$WORK/engine.err" &
ENGINE_PID=$!
for _ in $(seq 1 600); do
  MINICLOUD_URL="$(grep -o 'listening on http://[^ ]*' "$WORK/engine.out" | head -n 1 | cut -d' ' -f3 || true)"
  [ -n "$MINICLOUD_URL" ] && break
  kill -0 "$ENGINE_PID" 2>/dev/null || { cat "$WORK/engine.err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$MINICLOUD_URL" ] || { echo "the engine did not start in 60 s" >&2; cat "$WORK/engine.err" >&2; exit 1; }
export MINICLOUD_URL
echo "engine at $MINICLOUD_URL"

cli_invokes() {
  local out
  out="$("$CLI" invoke helloWorld '{"name":"allen"}' --url "$MINICLOUD_URL" --client-id "$MINICLOUD_CLIENT_ID" --anonymous)"
  echo "$out"
  [ "$(python3 -c 'import json, sys; print(json.load(sys.stdin)["data"])' <<<"$out")" = "hello allen" ]
}
check "cli: minicloud invoke helloWorld → hello allen" cli_invokes

step "npm: the tarballs in a fresh project"
npm_project() { # npm_project DIR PACKAGES...: a fresh npm project with PACKAGES installed
  local dir="$1"; shift
  mkdir -p "$dir" && (cd "$dir" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "$@")
}
npm_installs() {
  npm_project "$WORK/node" "$PKG/npm/minicloud-$VERSION.tgz" "$PKG/npm/minicloud-linux-x64-gnu-$VERSION.tgz" \
    "typescript@$TYPESCRIPT" "@types/node@$TYPES_NODE"
  cp tests/packages/node/* "$WORK/node/"
}
check "npm: minicloud + minicloud-linux-x64-gnu install into a fresh project" npm_installs
check "npm: require('minicloud') invokes helloWorld → hello allen" node "$WORK/node/consumer.js"
check "npm: the types compile under tsc --strict with only @types/node" \
  bash -c "cd '$WORK/node' && npx tsc -p tsconfig.json"
npm_runs() { # npm_runs NAME SCRIPT NPM_INSTALL_ARGS...: a fresh project NAME with those installed runs SCRIPT
  local name="$1" script="$2"; shift 2
  npm_project "$WORK/$name" "$@"
  cp "$script" "$WORK/$name/"
  node "$WORK/$name/$(basename "$script")"
}
check "npm: without its platform package, require('minicloud') names the missing package" \
  npm_runs node-missing tests/packages/node/missing-binary.js --omit=optional "$PKG/npm/minicloud-$VERSION.tgz"
if [ -f "$PKG/npm/minicloud-wasm-$VERSION.tgz" ]; then
  check "npm: minicloud-wasm's web entry (wasm and JS builds) invokes helloWorld → hello allen" \
    npm_runs wasm tests/packages/wasm/consumer.mjs "$PKG/npm/minicloud-wasm-$VERSION.tgz"
fi

step "python: the wheel in a fresh venv"
python_installs() {
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install -q --disable-pip-version-check --no-index "$(ls "$PKG"/python/minicloud_sdk-*-manylinux*x86_64.whl | head -n 1)"
}
check "python: pip installs the wheel into a fresh venv" python_installs
check "python: import minicloud invokes helloWorld → hello allen (METADATA has description, URLs, README, LICENSE)" \
  "$WORK/venv/bin/python" tests/packages/python/consumer.py

# The source distribution (--dist only: building it from source takes minutes): pip builds it with maturin and
# cargo, as on a platform no wheel fits, and the result runs the same program.
sdist="$(ls "$PKG"/python/minicloud_sdk-*.tar.gz 2>/dev/null | head -n 1 || true)"
if [ -n "$sdist" ]; then
  step "python: the source distribution built from source in a fresh venv"
  sdist_installs() {
    python3 -m venv "$WORK/sdist-venv"
    echo "maturin==$MATURIN_VERSION" >"$WORK/constraints.txt"
    PIP_CONSTRAINT="$WORK/constraints.txt" "$WORK/sdist-venv/bin/pip" install -q --disable-pip-version-check "$sdist"
  }
  check "python: pip builds the sdist from source (maturin, cargo) into a fresh venv" sdist_installs
  check "python: the sdist's minicloud invokes helloWorld → hello allen" \
    "$WORK/sdist-venv/bin/python" tests/packages/python/consumer.py
fi

step "kotlin: the jar from a file repository in a fresh Maven project"
kotlin_runs() {
  local jar="$PKG/kotlin/minicloud-kotlin-$VERSION.jar" cached="$HOME/.m2/repository/dev/minicloud/minicloud-kotlin/$VERSION"
  unzip -l "$jar" | grep " linux-x86-64/libminicloud_uniffi.so$" >/dev/null
  mvn -B -q deploy:deploy-file -Dfile="$jar" -DpomFile="$PKG/kotlin/minicloud-kotlin-$VERSION.pom" \
    -Durl="file://$WORK/m2" -DrepositoryId=minicloud-under-test
  # Maven prefers its local cache: drop any earlier copy of this version so the consumer gets this jar.
  rm -rf "$cached"
  cp -r tests/packages/kotlin "$WORK/kotlin"
  (cd "$WORK/kotlin" && mvn -B -q compile exec:java -Dminicloud.repository="file://$WORK/m2")
  cmp "$jar" "$cached/minicloud-kotlin-$VERSION.jar"
}
check "kotlin: a Maven project resolves the jar and invokes helloWorld → hello allen (JNA natives from the jar)" kotlin_runs

step "hygiene: LICENSE, README, description and URLs in every package"
license_everywhere() {
  local tgz
  for copy in bindings-node/LICENSE bindings-node/npm/*/LICENSE bindings-wasm/LICENSE bindings-uniffi/python/LICENSE; do
    cmp LICENSE "$copy" || { echo "$copy differs from LICENSE"; return 1; }
  done
  for tgz in "$PKG"/npm/*.tgz; do
    tar -tzf "$tgz" | grep -x 'package/LICENSE' >/dev/null || { echo "$tgz has no LICENSE"; return 1; }
    tar -tzf "$tgz" | grep -x 'package/README.md' >/dev/null || { echo "$tgz has no README.md"; return 1; }
    tar -xzOf "$tgz" package/package.json | node -e '
      const m = JSON.parse(require("fs").readFileSync(0, "utf8"))
      for (const k of ["description", "license", "homepage", "repository"]) if (!m[k]) throw new Error(`${m.name}: no ${k}`)'
  done
  unzip -l "$PKG/kotlin/minicloud-kotlin-$VERSION.jar" | grep ' META-INF/LICENSE$' >/dev/null || { echo "the jar has no META-INF/LICENSE"; return 1; }
}
check "hygiene: every package carries the Apache-2.0 LICENSE, a README, a description and URLs" license_everywhere

printf '\npackages: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" = 0 ]
