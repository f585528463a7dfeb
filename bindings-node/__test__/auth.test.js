'use strict'
// The official auth surface (issue 13 item 10): loginWithWechat(authData, options) with options second,
// silentLogin with a live session, getCurrentUser, and the current-user object every login resolves to
// (the official shape: profile fields, user_id, session_expires_at, toJSON(), get()). Against a loopback
// node:http server answering as 知晓云 does.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { BaaS, Client, CurrentUser, HError } = require('..')
const { loopback, tempDir } = require('./helpers')

const SILENT_LOGIN = '/hserve/v2.5/idp/wechat/silent-login/'
const PROFILE = { id: 50, nickname: '小明 🚀', avatar: 'https://img.test/头像.png', openid: 'oid-微信', unionid: 'uid-1', _anonymous: false, score: 3 }

/** A server answering wx silent logins with PROFILE and the user-info request with `info`. */
function wechatServer(info = PROFILE) {
  return loopback((seen, req, res) => {
    if (seen.path === SILENT_LOGIN) {
      res.writeHead(201, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ token: 'tok-wx', expires_in: 7200, user_id: 50, user_info: PROFILE }))
    } else if (seen.path === `/hserve/v2.5/user/info/${info.id}/`) {
      res.end(JSON.stringify(info))
    } else {
      res.writeHead(404)
      res.end('{"error_msg":"not found"}')
    }
  })
}

function wxClient(server, options = {}) {
  return new Client({ clientId: 'app', host: server.url, platform: 'wx', loginCode: async () => 'code-1', ...options })
}

async function rejection(promise) {
  return promise.then((value) => assert.fail(`resolved ${JSON.stringify(value)}`), (e) => e)
}

test('loginWithWechat takes its options as the second argument', async () => {
  const server = await wechatServer()
  try {
    await wxClient(server).loginWithWechat(null, { createUser: false, withUnionID: true })
    assert.equal(server.requests[0].body, '{"create_user":false,"code":"code-1","login_with_unionid":true}')
  } finally {
    await server.close()
  }
})

test('loginWithWechat without options creates the user and logs in by openid', async () => {
  const server = await wechatServer()
  try {
    await wxClient(server).loginWithWechat()
    assert.equal(server.requests[0].body, '{"create_user":true,"code":"code-1","login_with_unionid":false}')
  } finally {
    await server.close()
  }
})

test('loginWithWechat with a non-boolean createUser is 605 naming it, and sends nothing', async () => {
  const server = await wechatServer()
  try {
    const error = await rejection(wxClient(server).loginWithWechat(null, { createUser: 'no' }))
    assert.ok(error instanceof HError)
    assert.equal(error.code, 605)
    assert.equal(error.message, '605: createUser must be a boolean, got a string')
    assert.equal(server.requests.length, 0)
  } finally {
    await server.close()
  }
})

test('loginWithWechat with authData.detail (a user-info or phone authorization) is 611, and sends nothing', async () => {
  const server = await wechatServer()
  try {
    const error = await rejection(wxClient(server).loginWithWechat({ detail: { encryptedData: 'x', iv: 'y' } }, { syncUserProfile: 'overwrite' }))
    assert.equal(error.code, 611)
    assert.equal(error.kind, 'unsupported')
    assert.equal(server.requests.length, 0)
  } finally {
    await server.close()
  }
})

test('a login resolves to the official current-user object', async () => {
  const server = await wechatServer()
  try {
    const user = await wxClient(server).loginWithWechat()
    assert.ok(user instanceof CurrentUser)
    // The official object's own properties: built-in and `_` profile fields, user_id, session_expires_at.
    assert.equal(user.id, 50)
    assert.equal(user.nickname, '小明 🚀')
    assert.equal(user.avatar, 'https://img.test/头像.png')
    assert.equal(user._anonymous, false)
    assert.equal(user.user_id, 50)
    assert.equal(typeof user.session_expires_at, 'number')
    assert.equal('score' in user, false, 'a custom field is read with get(), as in the official SDK')
    assert.equal(user.get('score'), 3)
    // toJSON() is the profile, as the official one returns the user's attributes.
    assert.deepStrictEqual(user.toJSON(), PROFILE)
    assert.deepStrictEqual(JSON.parse(JSON.stringify(user)), PROFILE)
    // minicloud's fields.
    assert.equal(user.userId, 50)
    assert.equal(user.openid, 'oid-微信')
    assert.equal(user.unionid, 'uid-1')
    assert.equal(user.isAnonymous, false)
    assert.equal(user.expiresAt, user.session_expires_at)
    assert.ok(!JSON.stringify({ ...user }).includes('tok-wx'), 'the token stays in the session')
  } finally {
    await server.close()
  }
})

test('silentLogin with a live session sends nothing and resolves the stored user', async () => {
  const server = await wechatServer()
  const dir = tempDir()
  try {
    const sessionFile = path.join(dir, 'session.json')
    const expires = Math.floor(Date.now() / 1000) + 3600
    fs.writeFileSync(
      sessionFile,
      JSON.stringify({
        ifx_baas_auth_token: 'tok-live',
        ifx_baas_session_expires_at: expires,
        ifx_baas_uid: 7,
        ifx_baas_openid: 'oid-7',
        ifx_baas_userinfo: { id: 7, openid: 'oid-7', nickname: '老用户' },
      }),
    )
    const user = await wxClient(server, { sessionFile }).silentLogin()
    assert.equal(server.requests.length, 0)
    assert.ok(user instanceof CurrentUser)
    assert.equal(user.id, 7)
    assert.equal(user.nickname, '老用户')
    assert.equal(user.openid, 'oid-7')
    assert.equal(user.session_expires_at, expires)
  } finally {
    await server.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('getCurrentUser asks the server for the signed-in user and resolves its profile', async () => {
  const info = { ...PROFILE, nickname: '小明（更新）', city: '深圳' }
  const server = await wechatServer(info)
  try {
    const client = wxClient(server)
    await client.loginWithWechat()
    const user = await client.getCurrentUser()
    const seen = server.requests[1]
    assert.equal(seen.method, 'GET')
    assert.equal(seen.path, '/hserve/v2.5/user/info/50/')
    assert.ok(seen.headers.some(([k, v]) => k === 'Authorization' && v === 'Hydrogen-r1 tok-wx'))
    assert.ok(user instanceof CurrentUser)
    assert.equal(user.nickname, '小明（更新）')
    assert.equal(user.city, '深圳')
    assert.deepStrictEqual(user.toJSON(), info)
  } finally {
    await server.close()
  }
})

test('getCurrentUser without a live session is 604 and sends nothing', async () => {
  const server = await wechatServer()
  try {
    const error = await rejection(wxClient(server).getCurrentUser())
    assert.equal(error.code, 604)
    assert.equal(error.message, '604: session missing')
    assert.equal(server.requests.length, 0)
  } finally {
    await server.close()
  }
})

test('BaaS.auth has loginWithWechat and getCurrentUser', async () => {
  const server = await wechatServer()
  try {
    BaaS.init('app', { host: server.url, platform: 'wx', loginCode: () => 'code-1' })
    const login = await BaaS.auth.loginWithWechat(null, { createUser: false })
    const current = await BaaS.auth.getCurrentUser()
    assert.equal(server.requests[0].body, '{"create_user":false,"code":"code-1","login_with_unionid":false}')
    assert.deepStrictEqual([login.id, current.id], [50, 50])
  } finally {
    await server.close()
  }
})
