// Zero-config entries (issue 17): `BaaS.init(clientID, opts)` with no new option works on every host, each
// entry picking its build by what the host can do; a host with no way to run the core gets HError 611 naming
// the host and what to ship (never a TypeError, never a pending call); and whatever a host API throws or does
// not provide, a call settles with the right HError. Runtimes without some global run in a process of their
// own (runIsolated) against a loopback server here.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_WASM, MINI_PROGRAMS, runIsolated, wxStyleHost, entry } from './sim.mjs';

const CLIENT_ID = 'a4d2d62965ddb57fa4d6';
const SESSION = JSON.stringify({ token: 'tok-1', expires_in: 7200, user_id: 7, user_info: { id: 7, nickname: '小明 🐉' } });

let srv;
let url;
before(async () => {
  // Logins answer a session; invokes echo their params; /slow never answers.
  srv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.url.startsWith('/slow')) return;
      const body = Buffer.concat(chunks).toString();
      res.writeHead(req.url.includes('login') ? 201 : 200, { 'content-type': 'application/json' });
      res.end(req.url.includes('login') ? SESSION : JSON.stringify({ code: 0, data: JSON.parse(body).data, error: {} }));
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${srv.address().port}`;
});
after(() => {
  srv.closeAllConnections();
  return new Promise((r) => srv.close(r));
});

/** Source text defining the global `name` as a wx-style host over node:http (no loader of its own). */
const hostSource = (name) => `
  import http from 'node:http';
  const store = new Map();
  globalThis.${name} = {
    request(o) {
      const u = new URL(o.url);
      const r = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: o.method, headers: o.header }, (res) => {
        let d = ''; res.setEncoding('utf8'); res.on('data', (c) => (d += c));
        res.on('end', () => o.success({ statusCode: res.statusCode, header: res.headers, data: d }));
      });
      r.on('error', (e) => o.fail({ errMsg: 'request:fail ' + e.message }));
      r.end(o.data);
      return { abort: () => r.destroy() };
    },
    getStorageSync: (k) => (store.has(k) ? store.get(k) : ''),
    setStorageSync: (k, v) => store.set(k, v),
    login: (o) => setTimeout(() => o.success({ code: 'code-1' }), 0),
    getNetworkType: (o) => setTimeout(() => o.success({ networkType: 'wifi' }), 0),
  };
`;

/** Source text defining a host wasm loader global (`WXWebAssembly`) reading the package's .wasm.br. */
const loaderSource = (name) => `
  import { readFileSync } from 'node:fs';
  import { brotliDecompressSync } from 'node:zlib';
  globalThis.${name} = { instantiate: (path, imports) => WebAssembly.instantiate(brotliDecompressSync(readFileSync('miniprogram_dist/minicloud.wasm.br')), imports) };
`;

const herrorFields = `(e) => ({ name: e.name, code: e.code, kind: e.kind, details: e.details })`;

for (const host of ['wx', 'tt']) {
  test(`${host}: with no wasm option the entry loads ${PACKAGE_WASM} through the host's loader`, async () => {
    const loader = host === 'wx' ? globalThis.WXWebAssembly : globalThis.TTWebAssembly;
    const { createBaaS } = await entry(host);
    const BaaS = createBaaS(wxStyleHost(host, { loginCode: 'c' }));
    await BaaS.init(CLIENT_ID, { host: url, autoLogin: true });
    assert.deepEqual(await BaaS.invoke('echo', { 名: '值' }), { code: 0, data: { 名: '值' }, error: {} });
    assert.deepEqual(loader.paths, [PACKAGE_WASM]);
  });
}

test('qq, my, swan, jd, ks: the entries run the JS build, in a runtime without WebAssembly', async () => {
  const out = await runIsolated(`
    ${hostSource('host')}
    delete globalThis.WebAssembly;
    const results = {};
    for (const h of ['qq', 'swan', 'jd', 'ks', 'my']) {
      const api = h === 'my' ? { ...host, request: (o) => host.request({ ...o, header: o.headers, success: (r) => o.success({ status: r.statusCode, headers: r.header, data: r.data }) }), getStorageSync: ({ key }) => ({ data: host.getStorageSync(key) }), setStorageSync: ({ key, data }) => host.setStorageSync(key, data), getAuthCode: (o) => setTimeout(() => o.success({ authCode: 'a' }), 0) } : host;
      const { createBaaS } = await import('./dist/' + h + '.mjs');
      const BaaS = createBaaS(api);
      await BaaS.init(${JSON.stringify(CLIENT_ID)}, { host: ${JSON.stringify(url)}, autoLogin: true });
      results[h] = (await BaaS.invoke('echo', { text: '你好 🌏 Привет' })).data.text;
    }
    console.log(JSON.stringify(results));
  `);
  const want = '你好 🌏 Привет';
  assert.deepEqual(JSON.parse(out), { qq: want, swan: want, jd: want, ks: want, my: want });
});

test('minicloud-wasm/wx/js forces the JS build: no WXWebAssembly or WebAssembly is touched', async () => {
  const out = await runIsolated(`
    ${hostSource('wx')}
    delete globalThis.WebAssembly;
    let asked = 0;
    globalThis.WXWebAssembly = { instantiate() { asked++; return Promise.reject(new Error('not this')); } };
    const { BaaS } = await import('./dist/wx-js.mjs');
    await BaaS.init('cid', { host: ${JSON.stringify(url)}, autoLogin: true });
    const r = await BaaS.invoke('echo', { n: 1 });
    console.log(JSON.stringify({ data: r.data, asked }));
  `);
  assert.deepEqual(JSON.parse(out), { data: { n: 1 }, asked: 0 });
});

test('wx (CommonJS, as 构建 npm ships it) without WXWebAssembly runs the JS build beside it (core.js)', async () => {
  const out = await runIsolated(`
    import { createRequire } from 'node:module';
    ${hostSource('wx')}
    delete globalThis.WebAssembly;
    const { BaaS } = createRequire(import.meta.url)('./miniprogram_dist/wx.js');
    await BaaS.init('cid', { host: ${JSON.stringify(url)}, autoLogin: true });
    console.log(JSON.stringify((await BaaS.invoke('echo', '纯 JS')).data));
  `);
  assert.equal(JSON.parse(out), '纯 JS');
});

test('wx with no way to run the core (no WXWebAssembly, core.js left out) rejects init and calls with 611 naming wx and what to ship', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'minicloud-wx-'));
  try {
    copyFileSync(fileURLToPath(new URL('../miniprogram_dist/wx.js', import.meta.url)), join(dir, 'wx.js'));
    const out = await runIsolated(`
      import { createRequire } from 'node:module';
      ${hostSource('wx')}
      const { BaaS } = createRequire(import.meta.url)(${JSON.stringify(join(dir, 'wx.js'))});
      const fields = ${herrorFields};
      const init = await BaaS.init('cid', { host: ${JSON.stringify(url)} }).then(() => 'resolved', fields);
      const call = await BaaS.invoke('echo', {}).then(() => 'resolved', fields);
      const again = await BaaS.auth.silentLogin().then(() => 'resolved', fields);
      console.log(JSON.stringify({ init, call, again }));
    `);
    const { init, call, again } = JSON.parse(out);
    for (const e of [init, call, again]) {
      assert.equal(e.name, 'HError');
      assert.equal(e.code, 611);
      assert.equal(e.kind, 'unsupported');
      assert.match(e.details, /^wx: no way to run the minicloud core here; ship minicloud\.wasm\.br at \/miniprogram_npm\/minicloud-wasm\/minicloud\.wasm\.br/);
      assert.match(e.details, /minicloud-wasm\/wx\/js/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a wasm option the host cannot run (no WebAssembly) is HError 611, not a TypeError', async () => {
  const out = await runIsolated(`
    ${hostSource('qq')}
    delete globalThis.WebAssembly;
    const { BaaS } = await import('./dist/qq.mjs');
    const e = await BaaS.init('cid', { wasm: new Uint8Array(8) }).then(() => null, ${herrorFields});
    console.log(JSON.stringify(e));
  `);
  const e = JSON.parse(out);
  assert.equal(e.code, 611);
  assert.match(e.details, /qq: .*no WebAssembly/);
});

/** The globals many host runtimes (and JavaScriptCore's shell) lack. */
const MISSING = ['clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'console', 'AbortController', 'URL', 'TextDecoder', 'TextEncoder', 'performance'];

for (const host of MINI_PROGRAMS.filter((h) => h !== 'my')) {
  test(`${host}: without ${MISSING.join(', ')}, calls complete and a call past its limit still settles`, async () => {
    const out = await runIsolated(`
      ${hostSource(host)}
      ${host === 'wx' || host === 'tt' ? loaderSource(host === 'wx' ? 'WXWebAssembly' : 'TTWebAssembly') : ''}
      const api = globalThis.${host};
      const log = process.stdout.write.bind(process.stdout);
      ${host === 'swan' ? 'api.getLoginCode = api.login;' : ''}
      const { BaaS } = await import('./dist/${host}.mjs');
      for (const name of ${JSON.stringify(MISSING)}) delete globalThis[name];
      await BaaS.init('cid', { host: ${JSON.stringify(url)}, autoLogin: true });
      const r = await BaaS.invoke('echo', { text: '混合 scripts 🎌' });
      const slow = await BaaS.invoke('x', {}, true, { timeoutMs: 200 }).then(() => null, ${herrorFields});
      log(JSON.stringify({ data: r.data, slow }));
    `.replace("const u = new URL(o.url);", "const m = /^http:\\/\\/([^:/]+):(\\d+)(\\/.*)$/.exec(o.url); const u = { hostname: m[1], port: m[2], pathname: o.url.includes('cloud-function') && o.data && o.data.includes('\"x\"') ? '/slow' : m[3] };"));
    const { data, slow } = JSON.parse(out);
    assert.deepEqual(data, { text: '混合 scripts 🎌' });
    assert.equal(slow.code, 601);
    assert.equal(slow.kind, 'timeout');
  });
}

// ---------------------------------------------------------------- host APIs that throw

/** A wx host whose `broken` API throws synchronously; everything else works. */
function throwingHost(broken, opts = {}) {
  const api = wxStyleHost('wx', { loginCode: 'c', ...opts });
  api[broken] = () => {
    throw new Error(`${broken} exploded 💥`);
  };
  return api;
}

const settle = (p) => p.then((value) => ({ value }), (error) => ({ error }));

test('a host request API that throws makes the call HError 601, never an exception', async () => {
  const { createBaaS } = await entry('wx');
  const BaaS = createBaaS(throwingHost('request', { storage: { ifx_baas_auth_token: 't', ifx_baas_session_expires_at: 4102444800 } }));
  await BaaS.init(CLIENT_ID, { host: url });
  const { error } = await settle(BaaS.invoke('echo', {}));
  assert.equal(error.name, 'HError');
  assert.equal(error.code, 601);
  assert.match(String(error.details), /request exploded/);
});

test('a host login API that throws makes the call HError 614 with its words', async () => {
  const { createBaaS } = await entry('wx');
  const BaaS = createBaaS(throwingHost('login'));
  await BaaS.init(CLIENT_ID, { host: url, autoLogin: true });
  const { error } = await settle(BaaS.invoke('echo', {}));
  assert.equal(error.code, 614);
  assert.match(String(error.details), /login exploded 💥/);
});

test('a storage read that throws counts as no session; a storage write that throws does not fail the login', async () => {
  const { createBaaS } = await entry('wx');
  const api = throwingHost('getStorageSync');
  api.setStorageSync = () => {
    throw new Error('storage full 存储已满');
  };
  const BaaS = createBaaS(api);
  await BaaS.init(CLIENT_ID, { host: url, autoLogin: true });
  assert.deepEqual(await BaaS.invoke('echo', 1), { code: 0, data: 1, error: {} });
  const user = await BaaS.auth.loginWithWechat();
  assert.equal(user.userId, 7);
});

test('a getNetworkType that throws after a failed request leaves the call 601', async () => {
  const { createBaaS } = await entry('wx');
  const api = throwingHost('getNetworkType', { storage: { ifx_baas_auth_token: 't', ifx_baas_session_expires_at: 4102444800 } });
  const BaaS = createBaaS(api);
  await BaaS.init(CLIENT_ID, { host: 'http://127.0.0.1:9' });
  const { error } = await settle(BaaS.invoke('echo', {}));
  assert.equal(error.code, 601);
});
