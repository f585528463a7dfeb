'use strict'
// WeChatCloud (issue 7) against the engine's WeChat HTTP API, started through the CLI binary.

const test = require('node:test')
const assert = require('node:assert/strict')
const util = require('node:util')
const { WeChatCloud, WeChatError } = require('..')
const { startEngine } = require('./helpers')

const APP_ID = 'wx-minicloud-local'
const SECRET = 'minicloud-local-secret'
const ENV = 'minicloud-local'

let engine
test.before(async () => {
  engine = await startEngine({ extra: ['--pool-size', '8'] })
})
test.after(async () => {
  if (engine) await engine.close()
})

function client(secret = SECRET, transport = undefined) {
  return new WeChatCloud({ appId: APP_ID, appSecret: secret, env: ENV, baseUrl: engine.url, transport })
}

async function rejection(promise) {
  return promise.then((v) => assert.fail(`resolved ${JSON.stringify(v)}`), (e) => e)
}

for (const transport of ['node', 'pooled']) {
  test(`invokeCloudFunction resolves to the decoded resp_data (transport ${transport})`, async () => {
    const result = await client(SECRET, transport).invokeCloudFunction('wechatStyle', { x: 1, 名字: '小明 😀' })
    assert.equal(result.event.x, 1)
    assert.equal(result.event['名字'], '小明 😀')
    assert.deepStrictEqual(result.event.userInfo, { appId: APP_ID })
  })
}

test('a token that expires mid-run is refreshed transparently', async () => {
  const wechat = client()
  await wechat.invokeCloudFunction('wechatStyle')
  const before = (await engine.stats()).wechat_token_fetches
  await engine.control('wechat/expire-tokens')
  await wechat.invokeCloudFunction('wechatStyle')
  assert.equal((await engine.stats()).wechat_token_fetches, before + 1)
})

test('1,000 concurrent calls with a stale token make exactly one token fetch', async () => {
  const wechat = client()
  await wechat.invokeCloudFunction('wechatStyle')
  await engine.control('wechat/expire-tokens')
  const before = (await engine.stats()).wechat_token_fetches
  const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => wechat.invokeCloudFunction('wechatStyle', { i })))
  results.forEach((r, i) => assert.equal(r.event.i, i))
  assert.equal((await engine.stats()).wechat_token_fetches, before + 1)
})

test('a wrong secret fails once with a configuration error that hides the secret', async () => {
  const before = (await engine.stats()).wechat_token_requests
  const e = await rejection(client('wrong-SECRET').invokeCloudFunction('wechatStyle'))
  assert.ok(e instanceof WeChatError)
  assert.equal(e.errcode, 40001)
  assert.equal(e.kind, 'config')
  assert.equal((await engine.stats()).wechat_token_requests, before + 1)
  assert.ok(!JSON.stringify({ ...e, message: e.message }).includes('wrong-SECRET'))
})

test('a failing function is errcode -504002', async () => {
  const e = await rejection(client().invokeCloudFunction('throws'))
  assert.equal(e.errcode, -504002)
  assert.equal(e.kind, 'function')
})

test('a too-slow function is errcode -501002', async () => {
  const e = await rejection(client().invokeCloudFunction('slow', { hang: true }))
  assert.equal(e.errcode, -501002)
})

test('an aborted call is a cancelled WeChatError', async () => {
  const controller = new AbortController()
  const pending = client().invokeCloudFunction('slow', { hang: true }, { signal: controller.signal })
  setTimeout(() => controller.abort(), 50)
  const e = await rejection(pending)
  assert.equal(e.kind, 'cancelled')
})

test('bad input is an invalid_argument WeChatError before anything is sent', async () => {
  assert.throws(() => new WeChatCloud({ appId: APP_ID, env: ENV }), (e) => e instanceof WeChatError && e.kind === 'invalid_argument' && /appSecret/.test(e.message))
  const e = await rejection(client().invokeCloudFunction('f', { big: 1n }))
  assert.equal(e.kind, 'invalid_argument')
  const bad = await rejection(client().invokeCloudFunction('../x'))
  assert.equal(bad.kind, 'invalid_argument')
})

test('printing a WeChatCloud or its errors never shows the app secret', () => {
  const secret = '秘密-app-secret-🔑'
  const wechat = client(secret)
  const printed = [util.inspect(wechat, { depth: 10, showHidden: true }), JSON.stringify(wechat), String(wechat)]
  for (const text of printed) assert.ok(!text.includes(secret), text)
})
