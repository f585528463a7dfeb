'use strict'
// A user's CommonJS program, as the README shows it (no top-level await): installs from the packed tarballs,
// invokes helloWorld on the engine scripts/test-packages.sh started (MINICLOUD_URL, MINICLOUD_CLIENT_ID).
const assert = require('node:assert/strict')
const { BaaS, HError } = require('minicloud')

async function main() {
  BaaS.init(process.env.MINICLOUD_CLIENT_ID, { host: process.env.MINICLOUD_URL, autoLogin: 'anonymous' })
  assert.deepEqual(await BaaS.invoke('helloWorld', { name: 'allen' }), { code: 0, data: 'hello allen', error: {} })
  const mixed = '小明 🚀 café'
  assert.equal((await BaaS.invoke('helloWorld', { name: mixed })).data, `hello ${mixed}`)
  await assert.rejects(BaaS.invoke('noSuchFunction'), (e) => e instanceof HError && e.code === 404)
  console.log('node: hello allen')
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
