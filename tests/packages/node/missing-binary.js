'use strict'
// Installed with --omit=optional, so minicloud's platform package is absent: requiring minicloud must say
// which package holds this platform's binary and how to install it (not napi's "npm has a bug" message).
const assert = require('node:assert/strict')

assert.throws(
  () => require('minicloud'),
  (e) =>
    e.code === 'MINICLOUD_NATIVE_MISSING' &&
    e.message.includes('minicloud-linux-x64-gnu, which is not installed') &&
    e.message.includes('npm install minicloud-linux-x64-gnu@'),
)
console.log('node: a missing platform package is named')
