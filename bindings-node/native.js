'use strict'
// Loads the minicloud addon for this platform and exports it unchanged (index.js converts its types). It
// replaces napi's generated loader so that a missing or broken binary is reported plainly: which platform this
// is, which package holds its binary, and what to run.
//
// Where the binary comes from, in order:
//   1. `minicloud.<platform>.node` next to this file: a local build (`napi build --platform` in a checkout);
//   2. the platform package `minicloud-<platform>` (e.g. `minicloud-linux-x64-gnu`), one of the
//      `optionalDependencies` of the published `minicloud`; npm installs only the one whose `os`/`cpu`/`libc`
//      match.

const fs = require('node:fs')
const path = require('node:path')

const manifest = require('./package.json')
const PREFIX = `${manifest.napi.binaryName}-`

/** napi's platform name of a Rust target triple: `x86_64-unknown-linux-gnu` → `linux-x64-gnu`, ... */
function platformOfTriple(triple) {
  const [arch, ...rest] = triple.split('-')
  const cpu = { x86_64: 'x64', aarch64: 'arm64', i686: 'ia32', armv7: 'arm' }[arch] || arch
  const system = rest.join('-')
  if (system.includes('darwin')) return `darwin-${cpu}`
  if (system.includes('windows')) return `win32-${cpu}-${system.split('-').pop()}`
  return `${rest[1]}-${cpu}-${rest[2]}`
}

/** The platforms this version has a package for (`napi.targets` in package.json). */
const SHIPPED = manifest.napi.targets.map(platformOfTriple)

/** Whether this Linux runs on musl (Alpine) rather than glibc: Node's own report names the glibc it runs on. */
function isMusl() {
  const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null
  const header = report && (typeof report === 'string' ? JSON.parse(report).header : report.header)
  return !(header && header.glibcVersionRuntime)
}

/** napi's name for this platform: `linux-x64-gnu`, `linux-arm64-musl`, `darwin-arm64`, `win32-x64-msvc`, ... */
function platformKey() {
  const { platform, arch } = process
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

/** The Error thrown when no binary loads: says what is missing and how to get it. */
function loadError(text, cause) {
  const error = new Error(`minicloud: ${text}`, cause ? { cause } : undefined)
  error.code = 'MINICLOUD_NATIVE_MISSING'
  return error
}

function load() {
  const key = platformKey()
  const local = path.join(__dirname, `${manifest.napi.binaryName}.${key}.node`)
  if (fs.existsSync(local)) return require(local)

  const pkg = `${PREFIX}${key}`
  if (!SHIPPED.includes(key)) {
    throw loadError(
      `no prebuilt binary for ${key} (this version ships ${SHIPPED.join(', ')}). ` +
        'Build it from source in a checkout of https://github.com/minicloud/minicloud: ' +
        'cd bindings-node && npm install && npm run build:release, then npm pack.',
    )
  }
  let pkgJson
  try {
    pkgJson = require.resolve(`${pkg}/package.json`)
  } catch (cause) {
    throw loadError(
      `the binary for ${key} is in the package ${pkg}, which is not installed. npm installs it with minicloud as an ` +
        'optional dependency, and skips it when installing with --omit=optional (or --no-optional), or from a ' +
        'package-lock.json made on another platform. ' +
        `Run: npm install ${pkg}@${manifest.version} (or delete node_modules and package-lock.json, then npm install).`,
      cause,
    )
  }
  const installed = require(pkgJson).version
  if (installed !== manifest.version) {
    throw loadError(
      `${pkg}@${installed} is installed, but minicloud@${manifest.version} needs the same version. ` +
        `Run: npm install ${pkg}@${manifest.version}`,
    )
  }
  try {
    return require(path.dirname(pkgJson))
  } catch (cause) {
    const glibc = key.endsWith('-gnu') ? ' (the Linux gnu binaries need glibc 2.17 or newer)' : ''
    throw loadError(`${pkg}@${installed} is installed but its binary did not load${glibc}: ${cause.message}`, cause)
  }
}

module.exports = load()
