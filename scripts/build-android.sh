#!/usr/bin/env bash
# Builds the Kotlin binding as an Android library: dist/android/minicloud-android-<version>.aar (+ .pom).
#   ANDROID_NDK_HOME=/path/to/ndk bash scripts/build-android.sh
# The AAR holds classes.jar (the same Kotlin classes as the JVM jar: uniffi's generated code runs on Android
# with JNA's Android build, declared in the .pom as net.java.dev.jna:jna:<version>@aar) and
# jni/<abi>/libminicloud_uniffi.so for arm64-v8a, armeabi-v7a and x86_64 (API 21+), built with cargo-ndk
# (pinned below) from the Android NDK. A Gradle app adds the .aar and its .pom's dependencies, or the maintainer
# publishes both to a Maven repository.
#
# Needs the Android NDK (r26 or newer), which no package registry reachable from the project's machines
# provides: CI does not run this script and the project has never run it. The release workflow
# (.github/workflows/release.yml, job `android`) runs it on a GitHub runner, which ships the NDK.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
OUT="$ROOT/dist/android"
PROFILE=dist
CARGO_NDK_VERSION=4.1.2
API=21


[ -n "${ANDROID_NDK_HOME:-}" ] && [ -d "$ANDROID_NDK_HOME" ] ||
  { echo "ANDROID_NDK_HOME must point at an Android NDK (r26+); no registry here provides one" >&2; exit 1; }
command -v mvn >/dev/null || { echo "mvn is required (the classes come from the Kotlin Maven build)" >&2; exit 1; }
rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
if [ "$(cargo ndk --version 2>/dev/null)" != "cargo-ndk $CARGO_NDK_VERSION" ]; then
  cargo install cargo-ndk --locked --version "$CARGO_NDK_VERSION"
fi
VERSION="$(sed -n 's|^  <version>\(.*\)</version>|\1|p' bindings-uniffi/kotlin/pom.xml | head -n 1)"
prop() { sed -n "s|.*<$1>\(.*\)</$1>.*|\1|p" bindings-uniffi/kotlin/pom.xml | head -n 1; }

rm -rf "$OUT" && mkdir -p "$OUT/aar"
echo "==> android: libminicloud_uniffi.so for arm64-v8a, armeabi-v7a, x86_64 (cargo ndk, API $API)"
cargo ndk -t arm64-v8a -t armeabi-v7a -t x86_64 --platform "$API" -o "$OUT/aar/jni" build --locked --profile "$PROFILE" -p minicloud-uniffi

echo "==> android: classes.jar (mvn package without natives: Android loads them from jni/)"
(cd bindings-uniffi/kotlin && mvn -B -q package -Dmaven.test.skip=true -Dminicloud.cargoFeatures= -Dminicloud.hostNative.skip=true \
  -Dminicloud.natives="$OUT/no-natives")
cp "bindings-uniffi/kotlin/target/minicloud-kotlin-$VERSION.jar" "$OUT/aar/classes.jar"

cat >"$OUT/aar/AndroidManifest.xml" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="dev.minicloud">
    <uses-sdk android:minSdkVersion="$API" />
    <uses-permission android:name="android.permission.INTERNET" />
</manifest>
EOF
: >"$OUT/aar/R.txt"
(cd "$OUT/aar" && zip -qr "$OUT/minicloud-android-$VERSION.aar" AndroidManifest.xml R.txt classes.jar jni)

cat >"$OUT/minicloud-android-$VERSION.pom" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.minicloud</groupId>
  <artifactId>minicloud-android</artifactId>
  <version>$VERSION</version>
  <packaging>aar</packaging>
  <name>minicloud for Android</name>
  <description>Kotlin bindings of minicloud for Android: the JVM classes plus the core for arm64-v8a, armeabi-v7a and x86_64.</description>
  <url>https://github.com/minicloud/minicloud</url>
  <licenses><license><name>Apache-2.0</name><url>https://www.apache.org/licenses/LICENSE-2.0.txt</url></license></licenses>
  <dependencies>
    <dependency><groupId>org.jetbrains.kotlin</groupId><artifactId>kotlin-stdlib</artifactId><version>$(prop kotlin.version)</version></dependency>
    <dependency><groupId>org.jetbrains.kotlinx</groupId><artifactId>kotlinx-coroutines-core-jvm</artifactId><version>$(prop coroutines.version)</version></dependency>
    <dependency><groupId>org.jetbrains.kotlinx</groupId><artifactId>kotlinx-serialization-json-jvm</artifactId><version>$(prop serialization.version)</version></dependency>
    <dependency><groupId>net.java.dev.jna</groupId><artifactId>jna</artifactId><version>$(prop jna.version)</version><type>aar</type></dependency>
  </dependencies>
</project>
EOF
rm -rf "$OUT/aar" "$OUT/no-natives"
unzip -l "$OUT/minicloud-android-$VERSION.aar"
