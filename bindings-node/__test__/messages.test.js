'use strict'
// Text in Chinese, emoji and mixed scripts on every path that carries a message to the caller: a function's
// failure (知晓云 and WeChat) through the engine, WeChat's errmsg, a function name, the server's error_msg,
// the loginCode hook's failure and the core's log lines. Redaction once panicked on such text.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { Client, HError, WeChatCloud, WeChatError } = require('..')
const { functionsDir, loopback, startEngine, tempDir } = require('./helpers')

const FAILS = "exports.main = async (event) => { throw new Error(event.data.message) }"
const WX_FAILS = "const cloud = require('wx-server-sdk')\nexports.main = async (event) => { throw new Error(event.message) }"
/** Each with a separator right after CJK text, where the old redaction sliced inside a character. */
const TEXTS = ['余额不足:100', '支付失败=余额不足 💸', '订单🚀:已取消 (Ошибка: 名=x)', 'é\u0301:ü\u0308=😀']

let engine
let functions
let dir
test.before(async () => {
  functions = functionsDir({ fails: FAILS, wxFails: WX_FAILS })
  engine = await startEngine({ dir: functions })
  dir = tempDir()
})
test.after(async () => {
  if (engine) await engine.close()
  for (const d of [functions, dir]) if (d) fs.rmSync(d, { recursive: true, force: true })
})

function wechat() {
  return new WeChatCloud({ appId: 'wx-minicloud-local', appSecret: 'minicloud-local-secret', env: 'minicloud-local', baseUrl: engine.url })
}

async function rejection(promise) {
  return promise.then((v) => assert.fail(`resolved ${JSON.stringify(v)}`), (e) => e)
}

for (const text of TEXTS) {
  test(`a WeChat function throwing ${JSON.stringify(text)} rejects with it in errmsg`, async () => {
    const e = await rejection(wechat().invokeCloudFunction('wxFails', { message: text }))
    assert.ok(e instanceof WeChatError, String(e))
    assert.equal(e.errcode, -504002)
    assert.equal(e.errmsg, `functions execute fail: ${text}`)
    assert.equal(e.message, `-504002: functions execute fail: ${text} (function)`)
  })

  test(`a 知晓云 function throwing ${JSON.stringify(text)} resolves with code 1 and its message`, async () => {
    const client = new Client({ clientId: engine.clientId, host: engine.url, autoLogin: 'anonymous' })
    const result = await client.invoke('fails', { message: text })
    assert.equal(result.code, 1)
    assert.equal(result.error.message, text)
  })
}

test('a WeChat function name like 名=x is an invalid_argument WeChatError naming it', async () => {
  const e = await rejection(wechat().invokeCloudFunction('名=x'))
  assert.ok(e instanceof WeChatError, String(e))
  assert.equal(e.kind, 'invalid_argument')
  assert.match(e.errmsg, /function name "名=x" is not valid/)
})

test("the server's error_msg in Chinese and emoji is the HError's text; a secret beside it is removed", async () => {
  const errorMsg = '云函数 名=x 调用失败: 余额不足 💸 (Ошибка)'
  const server = await loopback((seen, req, res) => {
    res.writeHead(400, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ status: 'error', error_msg: errorMsg, hint: '令牌 token=tok-秘密-1 已失效' }))
  })
  try {
    const e = await rejection(new Client({ clientId: 'app', host: server.url }).invoke('名=x'))
    assert.ok(e instanceof HError)
    assert.equal(e.message, `400: ${errorMsg}`)
    assert.equal(e.details.error_msg, errorMsg)
    assert.equal(e.details.hint, '令牌 token=[redacted] 已失效')
  } finally {
    await server.close()
  }
})

test("a loginCode hook failing in Chinese and emoji is HError 614 carrying the hook's text", async () => {
  const server = await loopback((seen, req, res) => res.end('{}'))
  try {
    const client = new Client({
      clientId: 'app',
      host: server.url,
      platform: 'wx',
      loginCode: () => {
        throw new Error('login:fail 用户拒绝授权 🙅 (拒绝=1)')
      },
    })
    const e = await rejection(client.silentLogin())
    assert.equal(e.code, 614)
    assert.match(String(e.details), /login:fail 用户拒绝授权 🙅 \(拒绝=1\)/)
    assert.equal(server.requests.length, 0)
  } finally {
    await server.close()
  }
})

test('a log line naming a Chinese and emoji path reaches the warning intact', async () => {
  const parent = path.join(dir, '会话目录🔒')
  const client = new Client({ clientId: engine.clientId, host: engine.url, sessionFile: path.join(parent, '会话.json') })
  fs.writeFileSync(parent, 'a file where the session directory should be')
  const warnings = []
  const onWarning = (w) => warnings.push(w)
  process.on('warning', onWarning)
  try {
    await client.anonymousLogin()
    for (let i = 0; i < 500 && warnings.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
  } finally {
    process.off('warning', onWarning)
  }
  const ours = warnings.filter((w) => w.name === 'MinicloudWarning')
  assert.equal(ours.length, 1, ours.map((w) => w.message).join(' | '))
  assert.ok(ours[0].message.includes(path.join('会话目录🔒', '会话.json')), ours[0].message)
})
