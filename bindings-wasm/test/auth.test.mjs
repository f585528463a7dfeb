// The auth surface of the wasm entries (issue 13 item 10), as the core's machine defines it and Node exposes
// it: loginWithWechat(authData, {createUser, withUnionID, syncUserProfile}) and each host's alias, silentLogin()
// with a live session sending nothing and resolving the current user, auth.getCurrentUser(), and logins
// resolving the current-user object whose toJSON() is the user's attributes. Simulated hosts, loopback HTTP.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { simulatedHost, baasFor, MINI_PROGRAMS } from './sim.mjs';

const CLIENT_ID = 'a4d2d62965ddb57fa4d6';
const PROFILE = { id: 42, openid: 'o-小明', unionid: 'u-1', nickname: '小明 🐉', avatar: 'https://a.test/😀.png' };
const LOGIN = JSON.stringify({ token: 'tok-1', expires_in: 7200, user_id: 42, user_info: PROFILE });
const LIVE = { ifx_baas_auth_token: 'tok-live', ifx_baas_session_expires_at: 4102444800, ifx_baas_uid: 42, ifx_baas_openid: 'o-live' };
const ALIAS = { wx: 'loginWithWechat', qq: 'loginWithQQ', my: 'loginWithAlipay', swan: 'loginWithBaidu', tt: 'loginWithTt', jd: 'loginWithJd', ks: 'loginWithKs' };

/** A loopback server answering logins with LOGIN and the user-info request with PROFILE; records requests. */
async function server() {
  const seen = [];
  const s = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method, path: req.url, body: Buffer.concat(chunks).toString() });
      const info = req.url.startsWith('/hserve/v2.5/user/info/');
      res.writeHead(info ? 200 : 201, { 'content-type': 'application/json' });
      res.end(info ? JSON.stringify(PROFILE) : LOGIN);
    });
  });
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${s.address().port}`,
    seen,
    close: () => {
      s.closeAllConnections();
      return new Promise((r) => s.close(r));
    },
  };
}

for (const host of MINI_PROGRAMS) {
  test(`${host}: auth.${ALIAS[host]}() logs in silently and resolves the current user, whose toJSON() is its profile`, async () => {
    const srv = await server();
    try {
      const { api, stored } = simulatedHost(host, { loginCode: 'code-登录' });
      const BaaS = await baasFor(host, api, CLIENT_ID, { host: srv.url });
      const user = await BaaS.auth[ALIAS[host]]();
      assert.equal(user.userId, 42);
      assert.equal(user.openid, 'o-小明');
      assert.equal(user.isAnonymous, false);
      assert.deepEqual(JSON.parse(JSON.stringify(user)), PROFILE);
      assert.equal(user.get('nickname'), '小明 🐉');
      assert.equal(stored('ifx_baas_auth_token'), 'tok-1');
      assert.match(srv.seen[0].path, /\/silent-login\/$/);
    } finally {
      await srv.close();
    }
  });
}

test('loginWithWechat(null, {createUser: false, withUnionID: true}) sends both options', async () => {
  const srv = await server();
  try {
    const BaaS = await baasFor('wx', simulatedHost('wx', { loginCode: 'c-1' }).api, CLIENT_ID, { host: srv.url });
    await BaaS.auth.loginWithWechat(null, { createUser: false, withUnionID: true, syncUserProfile: 'setnx' });
    assert.equal(srv.seen[0].body, '{"create_user":false,"code":"c-1","login_with_unionid":true}');
  } finally {
    await srv.close();
  }
});

test('loginWithWechat with a non-boolean createUser is HError 605 naming it, and sends nothing', async () => {
  const srv = await server();
  try {
    const BaaS = await baasFor('wx', simulatedHost('wx', { loginCode: 'c-1' }).api, CLIENT_ID, { host: srv.url });
    const e = await BaaS.auth.loginWithWechat(null, { createUser: 'yes' }).then(() => assert.fail('resolved'), (e) => e);
    assert.equal(e.code, 605);
    assert.equal(e.message, '605: createUser must be a boolean, got a string');
    assert.equal(srv.seen.length, 0);
  } finally {
    await srv.close();
  }
});

test('loginWithWechat with authData.detail (a phone-number or user-info authorization) is HError 611', async () => {
  const BaaS = await baasFor('wx', simulatedHost('wx', { loginCode: 'c' }).api, CLIENT_ID, { host: 'http://127.0.0.1:9' });
  const e = await BaaS.auth.loginWithWechat({ detail: { encryptedData: 'x' } }).then(() => assert.fail('resolved'), (e) => e);
  assert.equal(e.code, 611);
});

test('silentLogin() with a live session sends nothing and resolves the current user from the stored session', async () => {
  const srv = await server();
  try {
    const { api } = simulatedHost('wx', { storage: LIVE, loginCode: 'never-used' });
    const BaaS = await baasFor('wx', api, CLIENT_ID, { host: srv.url });
    const user = await BaaS.auth.silentLogin();
    assert.equal(user.userId, 42);
    assert.equal(user.openid, 'o-live');
    assert.deepEqual(user.toJSON(), { id: 42, openid: 'o-live' });
    assert.equal(srv.seen.length, 0);
    assert.ok(!api.calls.some((c) => c.name === 'loginCode'), 'the host login API was not asked');
  } finally {
    await srv.close();
  }
});

test('auth.getCurrentUser() asks the server for the stored user and resolves the current user', async () => {
  const srv = await server();
  try {
    const BaaS = await baasFor('my', simulatedHost('my', { storage: LIVE }).api, CLIENT_ID, { host: srv.url });
    const user = await BaaS.auth.getCurrentUser();
    assert.deepEqual(srv.seen.map((r) => `${r.method} ${r.path}`), ['GET /hserve/v2.5/user/info/42/']);
    assert.deepEqual(user.toJSON(), PROFILE);
    assert.equal(user.unionid, 'u-1');
  } finally {
    await srv.close();
  }
});

test('auth.getCurrentUser() without a live session is HError 604 and sends nothing', async () => {
  const srv = await server();
  try {
    const BaaS = await baasFor('web', simulatedHost('web').api, CLIENT_ID, { host: srv.url });
    const e = await BaaS.auth.getCurrentUser().then(() => assert.fail('resolved'), (e) => e);
    assert.equal(e.code, 604);
    assert.equal(e.message, '604: session missing');
    assert.equal(srv.seen.length, 0);
  } finally {
    await srv.close();
  }
});

test('password, SMS and anonymous logins resolve the current user with toJSON()', async () => {
  const srv = await server();
  try {
    const BaaS = await baasFor('web', simulatedHost('web').api, CLIENT_ID, { host: srv.url });
    for (const user of [
      await BaaS.auth.login({ username: '用户', password: '密码 🔑' }),
      await BaaS.auth.loginWithSmsVerificationCode('13800000000', '123456', { createUser: false }),
      await BaaS.auth.anonymousLogin(),
    ]) {
      assert.equal(user.userId, 42);
      assert.deepEqual(user.toJSON(), PROFILE);
    }
    assert.equal(srv.seen[1].body, '{"phone":"13800000000","code":"123456","create_user":false}');
  } finally {
    await srv.close();
  }
});
