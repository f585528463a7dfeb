'use strict';
// The official minapp-sdk 3.23.6 (wx build), on a simulated wx host doing real HTTP, signs in to the local
// engine (`minicloud serve`) and invokes through it: proof that the engine answers in the shapes the official
// SDK reads (issue 3). Needs the CLI binary: MINICLOUD_BIN or target/debug/minicloud (scripts/test-all.sh builds it).

const test = require('node:test');
const assert = require('node:assert');
const http = require('node:http');
const path = require('node:path');
const fs = require('node:fs');
const { spawn } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = process.env.MINICLOUD_BIN || path.join(ROOT, 'target', 'debug', 'minicloud');
const FUNCTIONS = path.join(ROOT, 'examples', 'functions');
const CLIENT_ID = 'official-sdk-e2e';

function startEngine(extra = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ['serve', FUNCTIONS, '--port', '0', '--client-id', CLIENT_ID, '--in-memory', ...extra], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve({ child, url: m[1] });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`minicloud serve exited with ${code}`)));
  });
}

/** A wx host whose request does real HTTP; storage is a Map; wx.login answers `loginCode`. */
function wxHost(loginCode) {
  const storage = new Map();
  const requests = [];
  const later = (fn) => setImmediate(fn);
  const wx = {
    request(o) {
      const method = String(o.method || 'GET').toUpperCase();
      const u = new URL(o.url);
      const body = method === 'GET' || o.data === undefined ? null : typeof o.data === 'string' ? o.data : JSON.stringify(o.data);
      requests.push({ method, path: u.pathname });
      const headers = Object.assign({ 'content-type': 'application/json' }, o.header || {});
      if (body !== null) headers['content-length'] = String(Buffer.byteLength(body));
      const req = http.request({ host: u.hostname, port: u.port, method, path: u.pathname + u.search, headers, agent: false }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let data = text;
          try { data = JSON.parse(text); } catch (_) {}
          o.success && o.success({ statusCode: res.statusCode, data, header: res.headers, errMsg: 'request:ok' });
          o.complete && o.complete({});
        });
      });
      req.on('error', (e) => { o.fail && o.fail({ errMsg: `request:fail ${e.code}` }); o.complete && o.complete({}); });
      if (body !== null) req.write(body);
      req.end();
      return { abort() { req.destroy(); } };
    },
    login(o) { later(() => o.success({ code: loginCode, errMsg: 'login:ok' })); },
    getNetworkType(o) { later(() => o.success({ networkType: 'wifi' })); },
    setStorageSync(k, v) { storage.set(k, structuredClone(v)); },
    getStorageSync(k) { return storage.has(k) ? structuredClone(storage.get(k)) : ''; },
    removeStorageSync(k) { storage.delete(k); },
    setStorage({ key, data, success }) { storage.set(key, structuredClone(data)); later(() => success && success({})); },
    getStorage({ key, success, fail }) { later(() => (storage.has(key) ? success && success({ data: storage.get(key) }) : fail && fail({}))); },
    getSystemInfoSync() { return { platform: 'android', SDKVersion: '3.3.4', version: '8.0.47', system: 'Android 14' }; },
    getAccountInfoSync() { return { miniProgram: { appId: 'wx-minicloud-local', envVersion: 'release' } }; },
  };
  return { wx, storage, requests };
}

/** Loads a fresh copy of the official SDK on `host`. */
function loadSdk(host) {
  const sdkPath = require.resolve('minapp-sdk');
  const sdkDir = path.dirname(sdkPath);
  for (const k of Object.keys(require.cache)) if (k.startsWith(sdkDir)) delete require.cache[k];
  Object.assign(global, {
    wx: host.wx,
    window: {},
    getApp: () => ({ globalData: {} }),
    Page() {},
    App() {},
    Component() {},
    regeneratorRuntime: { mark: (fn) => fn, wrap() { throw new Error('not under test'); } },
  });
  const quiet = console.log;
  console.log = () => {};
  try {
    return require(sdkPath);
  } finally {
    console.log = quiet;
  }
}

let engine;
test.before(async () => {
  assert.ok(fs.existsSync(BIN), `build the CLI first (cargo build -p minicloud-cli): ${BIN} is missing`);
  engine = await startEngine();
});
test.after(() => engine && engine.child.kill('SIGTERM'));

test('official SDK: silent login (loginWithWechat) then invoke helloWorld', async () => {
  const host = wxHost('official-code-1');
  const BaaS = loadSdk(host);
  BaaS.init(CLIENT_ID, { host: engine.url });
  const user = await BaaS.auth.loginWithWechat();
  assert.ok(user.id, 'the SDK resolved a user with an id');
  assert.match(String(host.storage.get('ifx_baas_auth_token')), /^[0-9a-f]{40}$/);
  const res = await BaaS.invoke('helloWorld', { name: 'allen' });
  assert.deepStrictEqual(res, { code: 0, data: 'hello allen', error: {} });
});

test('official SDK: register, password login, invoke, logout', async () => {
  const host = wxHost('unused');
  const BaaS = loadSdk(host);
  BaaS.init(CLIENT_ID, { host: engine.url });
  const username = `official-${process.pid}`;
  await BaaS.auth.register({ username, password: 'pw-123456' });
  await BaaS.auth.logout();
  assert.strictEqual(host.storage.get('ifx_baas_auth_token'), '');
  const user = await BaaS.auth.login({ username, password: 'pw-123456' });
  assert.ok(user.id);
  const res = await BaaS.invoke('helloWorld', { name: 'again' });
  assert.strictEqual(res.data, 'hello again');
});

test('official SDK: autoLogin signs in before the first invoke', async () => {
  const host = wxHost('official-code-auto');
  const BaaS = loadSdk(host);
  BaaS.init(CLIENT_ID, { host: engine.url, autoLogin: true });
  const res = await BaaS.invoke('helloWorld', { name: 'auto' });
  assert.strictEqual(res.data, 'hello auto');
  assert.deepStrictEqual(host.requests.map((r) => r.path), ['/hserve/v2.5/idp/wechat/silent-login/', '/hserve/v1/cloud-function/job/']);
});

test('official SDK: an anonymous user is refused with an HError 403 the SDK words', async () => {
  const host = wxHost('unused');
  const BaaS = loadSdk(host);
  BaaS.init(CLIENT_ID, { host: engine.url });
  await BaaS.auth.anonymousLogin();
  await assert.rejects(BaaS.invoke('helloWorld', { name: 'anon' }), (e) => e.code === 403 && /^403: anonymous user/.test(e.message));
});

test('official SDK: an unknown function is HError 404 "not found"', async () => {
  const host = wxHost('official-code-404');
  const BaaS = loadSdk(host);
  BaaS.init(CLIENT_ID, { host: engine.url });
  await BaaS.auth.loginWithWechat();
  await assert.rejects(BaaS.invoke('noSuchFunction'), (e) => e.code === 404 && e.message === '404: not found');
});

test('official SDK: a 知晓云 function chaining another through the global BaaS.invoke', async () => {
  const host = wxHost('official-code-chain');
  const BaaS = loadSdk(host);
  BaaS.init(CLIENT_ID, { host: engine.url });
  await BaaS.auth.loginWithWechat();
  const res = await BaaS.invoke('greetChain', { name: '小明 🌏' });
  assert.deepStrictEqual(res, { code: 0, data: { greeting: 'hello 小明 🌏', via: 'BaaS.invoke' }, error: {} });
});
