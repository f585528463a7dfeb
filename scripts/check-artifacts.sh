#!/usr/bin/env bash
# Checks what scripts/build-release.sh wrote into DIST and writes DIST/SIZES.md:
#   scripts/check-artifacts.sh DIST
# - each native binary is an ELF for the architecture its name says (`file`), stripped;
# - each glibc one needs no symbol version above GLIBC_2.17 (`readelf --dyn-syms`, which reads aarch64 ELF on
#   an x86_64 machine where Debian's objdump cannot; it lists the same versions as `objdump -T`);
# - each musl CLI is statically linked; each musl addon/library links musl's libc.so, never glibc's libc.so.6;
# - auditwheel accepts each manylinux wheel for the tag in its file name (musllinux: see below).
# Fails at the first artifact that does not hold. A run narrowed to some targets (build-release.sh --only)
# leaves some kinds out: each kind is checked when present, and an empty DIST fails.
set -euo pipefail
shopt -s nullglob
DIST="$(cd "${1:?usage: scripts/check-artifacts.sh DIST}" && pwd)"
PATH="$(cd "$(dirname "$0")/.." && pwd)/target/tools/venv/bin:$PATH"   # auditwheel (scripts/release-tools.sh)
FLOOR=2.17
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }
rows=()

newest_glibc() { readelf -W --dyn-syms "$1" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -Vu | tail -n 1; }

# check_elf FILE NAME: NAME (the artifact's own name) says its architecture and libc.
check_elf() {
  local file="$1" name="$2" desc arch libc glibc="-"
  desc="$(file -b "$file")"
  case "$name" in *x86_64* | *x64* | *x86-64*) arch="x86-64" ;; *aarch64* | *arm64*) arch="ARM aarch64" ;; *) arch="?" ;; esac
  case "$name" in *musl*) libc=musl ;; *) libc=gnu ;; esac
  [[ "$desc" == *"ELF 64-bit"*"$arch"* ]] || fail "$name: expected a 64-bit $arch ELF, file says: $desc"
  [[ "$desc" == *"not stripped"* ]] && fail "$name: not stripped"
  if [ "$libc" = gnu ]; then
    glibc="$(newest_glibc "$file")"
    if [ -n "$glibc" ] && [ "$(printf '%s\n%s\n' "$glibc" "$FLOOR" | sort -V | tail -n 1)" != "$FLOOR" ]; then
      fail "$name needs GLIBC_$glibc (above $FLOOR)"
    fi
    glibc="GLIBC_${glibc:-none}"
  elif [[ "$desc" == *"dynamically linked"* ]]; then
    # musl's C library is libc.so (glibc's is libc.so.6); a musl executable's loader is ld-musl.
    needed="$(readelf -W -d "$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
    [[ " $needed" == *" libc.so "* && " $needed" != *"libc.so.6"* ]] ||
      fail "$name: a musl artifact that does not link musl's libc.so alone (needs: $needed)"
    [[ "$desc" != *interpreter* || "$desc" == *ld-musl* ]] || fail "$name: a musl executable whose loader is not musl's"
  fi
  rows+=("| \`$name\` | $(stat -c %s "$file") | ${desc%%, BuildID*} | $glibc |")
}

echo "== native binaries"
for f in "$DIST"/node/*.node "$DIST"/jna/*/*.so; do check_elf "$f" "${f#"$DIST"/}"; done
for f in "$DIST"/cli/*; do
  check_elf "$f" "${f#"$DIST"/}"
  [[ "$(file -b "$f")" == *"static"*"linked"* ]] || fail "$f: the musl CLI is not statically linked"
done

echo "== wheels (auditwheel show, and the library inside each)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for whl in "$DIST"/python/*.whl; do
  name="$(basename "$whl")"
  tag="$(sed -E 's/.*-py3-none-([^.]+).*\.whl$/\1/' <<<"$name")"   # the first platform tag, e.g. manylinux_2_17_x86_64
  if [[ "$tag" == manylinux* ]]; then
    report="$(auditwheel show "$whl" 2>&1)" || fail "auditwheel show $name: $report"
    grep -q "$tag" <<<"$report" || fail "auditwheel does not accept $name as $tag: $report"
  else
    # auditwheel audits a musllinux wheel only on a musl system (here it resolves libc.so to glibc's linker
    # script and fails); maturin audited the tag when it built the wheel, and check_elf below proves the
    # library needs musl's libc.so alone.
    echo "$name: musllinux tag audited by maturin at build time (auditwheel needs a musl system)"
  fi
  rm -rf "$scratch/w" && mkdir "$scratch/w" && unzip -q "$whl" -d "$scratch/w"
  lib="$(find "$scratch/w" -name 'libminicloud_uniffi*.so' | head -n 1)"
  [ -n "$lib" ] || fail "$name holds no libminicloud_uniffi.so"
  [ -z "$lib" ] || check_elf "$lib" "$name: $(basename "$lib")"
  rows+=("| \`python/$name\` | $(stat -c %s "$whl") | wheel ($tag) | |")
done

echo "== packages"
for f in "$DIST"/npm/*.tgz "$DIST"/kotlin/*.jar; do
  rows+=("| \`${f#"$DIST"/}\` | $(stat -c %s "$f") | $(file -b "$f" | cut -d, -f1) | |")
done
for jar in "$DIST"/kotlin/*.jar; do
  case "$jar" in *-sources.jar | *-javadoc.jar) continue ;; esac
  for prefix in $(cd "$DIST/jna" 2>/dev/null && ls); do
    unzip -l "$jar" | grep " $prefix/libminicloud_uniffi.so$" >/dev/null || fail "$jar lacks $prefix/libminicloud_uniffi.so"
  done
  # What Maven Central refuses a release without: the sources (helpers and generated bindings) and the docs.
  sources="${jar%.jar}-sources.jar" javadoc="${jar%.jar}-javadoc.jar"
  for kt in dev/minicloud/Minicloud.kt dev/minicloud/ffi/minicloud.kt; do
    unzip -l "$sources" 2>/dev/null | grep " $kt$" >/dev/null || fail "$(basename "$sources") is missing or lacks $kt"
  done
  unzip -l "$javadoc" 2>/dev/null | grep " dev/minicloud/ffi/Client.html$" >/dev/null ||
    fail "$(basename "$javadoc") is missing or lacks the Client page"
done
[ "${#rows[@]}" -gt 0 ] || fail "no artifact in $DIST"

{
  echo "# Release artifacts (scripts/build-release.sh, profile dist)"
  echo
  echo "| artifact | bytes | what \`file\` says | newest glibc symbol |"
  echo "| --- | ---: | --- | --- |"
  printf '%s\n' "${rows[@]}"
} >"$DIST/SIZES.md"
cat "$DIST/SIZES.md"
[ "$failed" = 0 ] || { echo "artifact checks failed" >&2; exit 1; }
echo "artifact checks: all passed"
