'use strict'
// The addon loader (native.js) as a user meets it when the binary is not where it should be: a copy of the
// package without any binary, run in a child process (the platform faked where a test needs another one).

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { tempDir } = require('./helpers')

const PACKAGE = path.join(__dirname, '..')

/** A copy of the package's JS (no `.node`, no node_modules) in a temp dir, plus `extra` files. */
function unbuiltCopy(extra = {}) {
  const dir = path.join(tempDir(), 'minicloud')
  fs.mkdirSync(dir)
  for (const file of ['package.json', 'native.js']) fs.copyFileSync(path.join(PACKAGE, file), path.join(dir, file))
  for (const [file, text] of Object.entries(extra)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
    fs.writeFileSync(path.join(dir, file), text)
  }
  return dir
}

/** Requires `dir/native.js` in a child Node with `process.arch`/`platform` faked; resolves to its error. */
function loadError(dir, { arch, platform } = {}) {
  const fake = [
    arch ? `Object.defineProperty(process, 'arch', { value: ${JSON.stringify(arch)} });` : '',
    platform ? `Object.defineProperty(process, 'platform', { value: ${JSON.stringify(platform)} });` : '',
  ].join('')
  const script = `${fake} try { require(${JSON.stringify(path.join(dir, 'native.js'))}); console.log('{}') }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }`
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' })
  assert.equal(child.status, 0, child.stderr)
  return JSON.parse(child.stdout)
}

test('a missing platform package is named, with the command that installs it', () => {
  const error = loadError(unbuiltCopy(), { platform: 'darwin', arch: 'arm64' })
  assert.equal(error.code, 'MINICLOUD_NATIVE_MISSING')
  assert.match(error.message, /the binary for darwin-arm64 is in the package minicloud-darwin-arm64, which is not installed/)
  assert.match(error.message, /--omit=optional/)
  assert.match(error.message, /Run: npm install minicloud-darwin-arm64@\d+\.\d+\.\d+/)
  assert.doesNotMatch(error.message, /npm has a bug/)
})

test('a platform without a prebuilt binary says so and lists the shipped ones', () => {
  const error = loadError(unbuiltCopy(), { platform: 'freebsd', arch: 'x64' })
  assert.equal(error.code, 'MINICLOUD_NATIVE_MISSING')
  assert.match(error.message, /no prebuilt binary for freebsd-x64/)
  assert.match(error.message, /linux-x64-gnu, linux-x64-musl, linux-arm64-gnu, linux-arm64-musl, darwin-x64, darwin-arm64, win32-x64-msvc, win32-arm64-msvc/)
})

test('a platform package of another version is reported with the version to install', () => {
  const version = require('../package.json').version
  const dir = unbuiltCopy({
    'node_modules/minicloud-win32-x64-msvc/package.json': JSON.stringify({ name: 'minicloud-win32-x64-msvc', version: '0.0.1', main: 'x.node' }),
  })
  const error = loadError(dir, { platform: 'win32', arch: 'x64' })
  assert.match(error.message, new RegExp(`minicloud-win32-x64-msvc@0\\.0\\.1 is installed, but minicloud@${version} needs the same version`))
})

test('a platform package whose binary does not load says which package and why', () => {
  const version = require('../package.json').version
  const dir = unbuiltCopy({
    'node_modules/minicloud-darwin-x64/package.json': JSON.stringify({ name: 'minicloud-darwin-x64', version, main: 'minicloud.darwin-x64.node' }),
    'node_modules/minicloud-darwin-x64/minicloud.darwin-x64.node': 'not a binary',
  })
  const error = loadError(dir, { platform: 'darwin', arch: 'x64' })
  assert.match(error.message, new RegExp(`minicloud-darwin-x64@${version.replace(/\./g, '\\.')} is installed but its binary did not load`))
})
