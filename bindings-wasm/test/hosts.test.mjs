// Host behaviour beyond the vectors: each official-SDK defect of PROTOCOL.md §1.8 fixed (one test each),
// time limits and cancellation per host, the wasm loaders, the entries' globals, and the mini-program
// runtime without TextEncoder/TextDecoder/fetch/URL. Simulated hosts over real loopback HTTP.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { readFileSync, readdirSync } from 'node:fs';
import { simulatedHost, wxStyleHost, alipayHost, webEnv, baasFor, runIsolated, MINI_PROGRAMS } from './sim.mjs';

const CLIENT_ID = 'a4d2d62965ddb57fa4d6';
const OK = JSON.stringify({ code: 0, data: 'ok', error: {} });
const SESSION = { token: 'tok-new', expires_in: 7200, user_id: 9, user_info: { id: 9 } };
const LIVE = { ifx_baas_auth_token: 'tok-old', ifx_baas_session_expires_at: 4102444800, ifx_baas_uid: 1 };

/** A loopback server answering with `handler(req, body) → {status, body} | 'hold' | 'reset'`; records
 * every request and whether its connection was closed by the client. */
async function server(handler) {
  const seen = [];
  const s = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const entry = { method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString(), closed: false };
      seen.push(entry);
      res.on('close', () => {
        entry.closed = !res.writableFinished;
      });
      const a = handler(req, entry.body, seen.length);
      if (a === 'hold') return;
      if (a === 'reset') return req.socket.destroy();
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(a.body);
    });
  });
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${s.address().port}`,
    seen,
    close() {
      s.closeAllConnections();
      return new Promise((r) => s.close(r));
    },
  };
}

async function closedPort() {
  const s = http.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}`;
}

const rejection = (p) => p.then((v) => assert.fail(`resolved ${JSON.stringify(v)}`), (e) => e);
const waitFor = async (cond) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), 'condition never became true');
};

// ---------------------------------------------------------------- §1.8: web network errors are HErrors

test('web: a refused connection is HError 601 (network), not a TypeError', async () => {
  const env = webEnv();
  const BaaS = await baasFor('web', env, CLIENT_ID, { host: await closedPort() });
  const e = await rejection(BaaS.invoke('f'));
  assert.equal(e.name, 'HError');
  assert.equal(e.code, 601);
  assert.equal(e.message, '601: request timeout');
  assert.equal(e.kind, 'network');
});

test('web: a network error while the browser is offline is HError 600', async () => {
  const env = webEnv({ networkType: 'none' });
  const BaaS = await baasFor('web', env, CLIENT_ID, { host: await closedPort() });
  const e = await rejection(BaaS.invoke('f'));
  assert.equal(e.code, 600);
  assert.equal(e.message, '600: network disconnected');
});

test('web: a call past its time limit is HError 601 (timeout) and its fetch is aborted', async () => {
  const srv = await server(() => 'hold');
  try {
    const env = webEnv();
    const BaaS = await baasFor('web', env, CLIENT_ID, { host: srv.url });
    const e = await rejection(BaaS.invoke('f', {}, true, { timeoutMs: 150 }));
    assert.equal(e.code, 601);
    assert.equal(e.kind, 'timeout');
    assert.equal(env.requests[0].signal.aborted, true);
    await waitFor(() => srv.seen[0] && srv.seen[0].closed);
  } finally {
    await srv.close();
  }
});

test('web: an AbortSignal cancels the call (kind cancelled, not timeout) and aborts its fetch', async () => {
  const srv = await server(() => 'hold');
  try {
    const env = webEnv();
    const BaaS = await baasFor('web', env, CLIENT_ID, { host: srv.url });
    const controller = new AbortController();
    const call = BaaS.invoke('f', {}, true, { signal: controller.signal });
    await waitFor(() => srv.seen.length === 1);
    controller.abort();
    const e = await rejection(call);
    assert.equal(e.kind, 'cancelled');
    assert.equal(e.retryable, false);
    assert.equal(env.requests[0].signal.aborted, true);
  } finally {
    await srv.close();
  }
});

test('web: sessions are stored in localStorage as JSON {"value": v}', async () => {
  const srv = await server(() => ({ status: 201, body: JSON.stringify(SESSION) }));
  try {
    const env = webEnv();
    const BaaS = await baasFor('web', env, CLIENT_ID, { host: srv.url });
    await BaaS.auth.anonymousLogin();
    assert.equal(env.items.get('ifx_baas_auth_token'), '{"value":"tok-new"}');
    assert.equal(env.items.get('ifx_baas_uid'), '{"value":9}');
  } finally {
    await srv.close();
  }
});

test('web: silent login is HError 611', async () => {
  const BaaS = await baasFor('web', webEnv(), CLIENT_ID, { host: 'http://127.0.0.1:9' });
  const e = await rejection(BaaS.auth.silentLogin());
  assert.equal(e.code, 611);
});

// ---------------------------------------------------------------- §1.8: jd/ks non-2xx never succeed

/** Invokes once with auto-login off against a server answering 404, on a jd/ks host delivering it `via`. */
async function non2xx(platform, via) {
  const srv = await server(() => ({ status: 404, body: '{"status":"error","error_msg":"no such function"}' }));
  try {
    const api = wxStyleHost(platform, { storage: LIVE, httpErrorsVia: via });
    const BaaS = await baasFor(platform, api, CLIENT_ID, { host: srv.url });
    return await rejection(BaaS.invoke('missing'));
  } finally {
    await srv.close();
  }
}

for (const platform of ['jd', 'ks']) {
  test(`${platform}: a non-2xx delivered to success is an HError, not a result`, async () => {
    const e = await non2xx(platform, 'success');
    assert.equal(e.code, 404);
    assert.equal(e.message, '404: not found');
  });

  test(`${platform}: a non-2xx delivered to fail with statusCode keeps its real status`, async () => {
    const e = await non2xx(platform, 'fail');
    assert.equal(e.code, 404);
    assert.equal(e.status, 404);
    assert.equal(e.kind, 'not_found');
  });
}

// ---------------------------------------------------------------- jd/ks: only a status reported as statusCode counts

for (const platform of ['jd', 'ks']) {
  test(`${platform}: a port in errMsg (ECONNREFUSED 10.0.0.1:443) is a transport failure, not HError 443`, async () => {
    const errMsg = 'request:fail connect ECONNREFUSED 10.0.0.1:443';
    const BaaS = await baasFor(platform, wxStyleHost(platform, { storage: LIVE, failWith: { errMsg } }), CLIENT_ID, {
      host: 'http://127.0.0.1:9',
    });
    const e = await rejection(BaaS.invoke('f'));
    assert.equal(e.code, 601);
    assert.equal(e.message, '601: request timeout');
    assert.equal(e.kind, 'network');
    assert.equal(e.status, null);
    assert.ok(String(e.details).includes(errMsg), String(e.details));
  });
}

test('ks: a status only inside errMsg is a transport failure, as the official ks SDK reads it', async () => {
  const srv = await server((req) => {
    if (req.url.includes('silent-login')) return { status: 201, body: JSON.stringify(SESSION) };
    return { status: 401, body: '{"error_msg":"invalid token"}' };
  });
  try {
    const api = wxStyleHost('ks', { storage: LIVE, loginCode: 'code-ks', httpErrorsVia: 'errMsg' });
    const BaaS = await baasFor('ks', api, CLIENT_ID, { host: srv.url, autoLogin: true });
    const e = await rejection(BaaS.invoke('f'));
    assert.equal(e.code, 601);
    assert.equal(e.status, null);
    assert.deepEqual(srv.seen.map((r) => r.path), ['/hserve/v1/cloud-function/job/']);
  } finally {
    await srv.close();
  }
});

// ---------------------------------------------------------------- host failure text in any script

/** Each host's failure object carrying `text`, as the host words its failures. */
const hostFailure = (platform, text) => (platform === 'my' ? { error: 12, errorMessage: text } : { errMsg: text });

for (const platform of MINI_PROGRAMS) {
  for (const [text, code, kind] of [
    ['request:fail 网络异常:timeout', 601, 'timeout'],
    ['request:fail 连接失败=拒绝 🚫 (Ошибка: é\u0301)', 601, 'network'],
  ]) {
    test(`${platform}: the host failure ${JSON.stringify(text)} is HError ${code} (${kind}) carrying the text`, async () => {
      const api = simulatedHost(platform, { storage: LIVE, failWith: hostFailure(platform, text) }).api;
      const BaaS = await baasFor(platform, api, CLIENT_ID, { host: 'http://127.0.0.1:9' });
      const e = await rejection(BaaS.invoke('f'));
      assert.equal(e.name, 'HError');
      assert.equal(e.code, code);
      assert.equal(e.kind, kind);
      assert.ok(String(e.details).includes(text), String(e.details));
    });
  }
}

test('ks: a 401 reported through both fail and success resends only once', async () => {
  const srv = await server((req) => {
    if (req.url.includes('silent-login')) return { status: 201, body: JSON.stringify(SESSION) };
    return { status: 401, body: '{"error_msg":"invalid token"}' };
  });
  try {
    const api = wxStyleHost('ks', { storage: LIVE, loginCode: 'code-ks', httpErrorsVia: 'both' });
    const BaaS = await baasFor('ks', api, CLIENT_ID, { host: srv.url, autoLogin: true });
    const e = await rejection(BaaS.invoke('f'));
    assert.equal(e.code, 401);
    await new Promise((r) => setTimeout(r, 100)); // a second resend would have arrived by now
    assert.equal(srv.seen.filter((r) => r.path === '/hserve/v1/cloud-function/job/').length, 2);
    assert.equal(srv.seen.filter((r) => r.path.includes('silent-login')).length, 1);
  } finally {
    await srv.close();
  }
});

// ---------------------------------------------------------------- §1.8: getNetworkType cannot hang a call

test('a failing getNetworkType still ends the call with 601', async () => {
  const api = wxStyleHost('wx', { storage: LIVE, networkFails: true });
  const BaaS = await baasFor('wx', api, CLIENT_ID, { host: await closedPort() });
  const e = await rejection(BaaS.invoke('f'));
  assert.equal(e.code, 601);
  assert.ok(api.calls.some((c) => c.name === 'getNetworkType'));
});

test('a getNetworkType that never calls back still ends the call with 601', async () => {
  const api = alipayHost({ storage: LIVE, networkSilent: true });
  const BaaS = await baasFor('my', api, CLIENT_ID, { host: await closedPort() });
  const e = await rejection(BaaS.invoke('f'));
  assert.equal(e.code, 601);
});

test('my: getNetworkType reporting networkAvailable false makes a failure 600', async () => {
  const api = alipayHost({ storage: LIVE, networkType: 'none' });
  const BaaS = await baasFor('my', api, CLIENT_ID, { host: await closedPort() });
  assert.equal((await rejection(BaaS.invoke('f'))).code, 600);
});

// ---------------------------------------------------------------- time limits and cancellation per host

for (const platform of MINI_PROGRAMS) {
  test(`${platform}: a per-call time limit reaches the host request and ends the call with 601 timeout`, async () => {
    const srv = await server(() => 'hold');
    try {
      const { api } = simulatedHost(platform, { storage: LIVE });
      const BaaS = await baasFor(platform, api, CLIENT_ID, { host: srv.url });
      const e = await rejection(BaaS.invoke('slow', {}, true, { timeoutMs: 150 }));
      assert.equal(e.code, 601);
      assert.equal(e.kind, 'timeout');
      // The request carries what is left of the call's one time limit.
      assert.ok(api.requests[0].timeout > 0 && api.requests[0].timeout <= 150, `request timeout ${api.requests[0].timeout}`);
      await waitFor(() => srv.seen[0] && srv.seen[0].closed);
    } finally {
      await srv.close();
    }
  });

  test(`${platform}: an abort signal cancels the call and aborts the host's request task`, async () => {
    const srv = await server(() => 'hold');
    try {
      const { api } = simulatedHost(platform, { storage: LIVE });
      const BaaS = await baasFor(platform, api, CLIENT_ID, { host: srv.url });
      const controller = new AbortController();
      const call = BaaS.invoke('slow', {}, true, { signal: controller.signal });
      await waitFor(() => srv.seen.length === 1);
      controller.abort();
      const e = await rejection(call);
      assert.equal(e.kind, 'cancelled');
      assert.ok(api.calls.some((c) => c.name === 'abort'), 'the host task was aborted');
    } finally {
      await srv.close();
    }
  });
}

test('the config time limit is passed to the host request (sync default 6 s)', async () => {
  const srv = await server(() => ({ status: 200, body: OK }));
  try {
    const api = wxStyleHost('wx', { storage: LIVE });
    const BaaS = await baasFor('wx', api, CLIENT_ID, { host: srv.url });
    await BaaS.invoke('f');
    await BaaS.invoke('f', {}, false);
    // The limit bounds the whole call; its request carries what is left of it (a millisecond may have gone).
    const [sync, async] = api.requests.map((r) => r.timeout);
    assert.ok(sync <= 6000 && sync > 5900, `sync request timeout ${sync}`);
    assert.ok(async <= 305000 && async > 304900, `async request timeout ${async}`);
    assert.equal(api.requests[0].dataType, 'text');
  } finally {
    await srv.close();
  }
});

test('invokeFunction is reported deprecated once, on console.warn', async () => {
  const srv = await server(() => ({ status: 200, body: OK }));
  const warnings = [];
  const warn = console.warn;
  console.warn = (message) => warnings.push(String(message));
  try {
    const api = wxStyleHost('wx', { storage: LIVE });
    const BaaS = await baasFor('wx', api, CLIENT_ID, { host: srv.url });
    await BaaS.invokeFunction('f');
    await BaaS.invokeFunction('f');
    assert.deepEqual(warnings, ['invokeFunction is deprecated; use invoke']);
  } finally {
    console.warn = warn;
    await srv.close();
  }
});

test('an already aborted signal cancels before anything is sent', async () => {
  const srv = await server(() => ({ status: 200, body: OK }));
  try {
    const api = wxStyleHost('wx', { storage: LIVE });
    const BaaS = await baasFor('wx', api, CLIENT_ID, { host: srv.url });
    const e = await rejection(BaaS.invoke('f', {}, true, { signal: AbortSignal.abort() }));
    assert.equal(e.kind, 'cancelled');
    assert.equal(srv.seen.length, 0);
  } finally {
    await srv.close();
  }
});

test('a bad per-call option is HError 605 naming it', async () => {
  const BaaS = await baasFor('wx', wxStyleHost('wx'), CLIENT_ID, { host: 'http://127.0.0.1:9' });
  const e = await rejection(BaaS.invoke('f', {}, true, { timeoutMs: -5 }));
  assert.equal(e.code, 605);
  assert.match(e.message, /timeoutMs/);
  const huge = await rejection(BaaS.invoke('f', {}, true, { timeoutMs: 1e300 }));
  assert.equal(huge.code, 605);
  assert.match(huge.message, /timeoutMs/);
  const s = await rejection(BaaS.invoke('f', {}, true, { signal: 'soon' }));
  assert.equal(s.code, 605);
  assert.match(s.message, /signal/);
});

test('params that cannot be JSON are HError 605 and nothing is sent', async () => {
  const srv = await server(() => ({ status: 200, body: OK }));
  try {
    const BaaS = await baasFor('wx', wxStyleHost('wx'), CLIENT_ID, { host: srv.url });
    const e = await rejection(BaaS.invoke('f', { n: 1n }));
    assert.equal(e.code, 605);
    assert.match(e.message, /params/);
    assert.equal(srv.seen.length, 0);
  } finally {
    await srv.close();
  }
});

// ---------------------------------------------------------------- silent login per host

test('tt: silent login asks tt.login with force: true', async () => {
  const srv = await server(() => ({ status: 201, body: JSON.stringify(SESSION) }));
  try {
    const api = wxStyleHost('tt', { loginCode: 'code-tt', appName: 'Douyin' });
    const BaaS = await baasFor('tt', api, CLIENT_ID, { host: srv.url });
    await BaaS.auth.loginWithTt();
    assert.equal(api.calls.find((c) => c.name === 'loginCode').args.force, true);
    assert.equal(srv.seen[0].body, '{"create_user":true,"app_name":"douyin","code":"code-tt"}');
  } finally {
    await srv.close();
  }
});

test('my: silent login asks getAuthCode with scopes auth_base', async () => {
  const srv = await server(() => ({ status: 201, body: JSON.stringify(SESSION) }));
  try {
    const api = alipayHost({ loginCode: 'auth-1' });
    const BaaS = await baasFor('my', api, CLIENT_ID, { host: srv.url });
    await BaaS.auth.loginWithAlipay();
    assert.equal(api.calls.find((c) => c.name === 'loginCode').args.scopes, 'auth_base');
    assert.equal(srv.seen[0].body, '{"code":"auth-1","create_user":true}');
  } finally {
    await srv.close();
  }
});

test('a host login API that fails is HError 614 and sends nothing', async () => {
  const srv = await server(() => ({ status: 201, body: JSON.stringify(SESSION) }));
  try {
    const BaaS = await baasFor('qq', wxStyleHost('qq', {}), CLIENT_ID, { host: srv.url });
    const e = await rejection(BaaS.auth.silentLogin());
    assert.equal(e.code, 614);
    assert.equal(srv.seen.length, 0);
  } finally {
    await srv.close();
  }
});

for (const platform of MINI_PROGRAMS) {
  test(`${platform}: a host login API failing in Chinese is HError 614 carrying the host's words`, async () => {
    const words = 'login:fail 用户拒绝授权 🙅 (拒绝=1)';
    const loginFailWith = platform === 'my' ? { error: 11, errorMessage: words } : { errMsg: words };
    const api = simulatedHost(platform, { loginFailWith }).api;
    const BaaS = await baasFor(platform, api, CLIENT_ID, { host: 'http://127.0.0.1:9' });
    const e = await rejection(BaaS.auth.silentLogin());
    assert.equal(e.code, 614);
    assert.ok(String(e.details).includes(words), String(e.details));
  });
}

// ---------------------------------------------------------------- init and the entries

test('a call before init is HError 602', async () => {
  const { createBaaS } = await import('../dist/wx.mjs');
  await baasFor('wx', wxStyleHost('wx'), CLIENT_ID, { host: 'http://127.0.0.1:9' }); // the wasm is loaded
  const e = await rejection(createBaaS(wxStyleHost('wx')).invoke('f'));
  assert.equal(e.code, 602);
  assert.equal(e.message, '602: uninitialized');
});

test('the shipped mini-program entries never use import.meta (their compilers cannot parse it)', () => {
  const files = [
    ...readdirSync(fileURLToPath(new URL('../dist/', import.meta.url))).filter((f) => f.endsWith('.mjs') && !f.startsWith('web')).map((f) => `dist/${f}`),
    ...readdirSync(fileURLToPath(new URL('../miniprogram_dist/', import.meta.url))).filter((f) => f.endsWith('.js')).map((f) => `miniprogram_dist/${f}`),
  ];
  assert.ok(files.length >= 16, files.join(' '));
  for (const file of files) {
    const src = readFileSync(fileURLToPath(new URL(`../${file}`, import.meta.url)), 'utf8');
    assert.ok(!src.includes('import.meta'), `${file} uses import.meta`);
  }
});

test('init with a clientID that is not a string throws HError 605', async () => {
  const BaaS = await baasFor('wx', wxStyleHost('wx'), CLIENT_ID, { host: 'http://127.0.0.1:9' });
  assert.throws(() => BaaS.init(42, {}), (e) => e.code === 605 && e.message === '605: incorrect parameter type');
});

test('every entry makes BaaS reachable on its host object (wx.BaaS, ..., window.BaaS)', async () => {
  const out = await runIsolated(`
    const results = [];
    for (const h of ['wx', 'qq', 'my', 'swan', 'tt', 'jd', 'ks']) {
      globalThis[h] = {};
      const m = await import('./dist/' + h + '.mjs');
      results.push(globalThis[h].BaaS === m.BaaS && typeof m.BaaS.invoke === 'function');
    }
    const web = await import('./dist/web.mjs');
    results.push(globalThis.BaaS === web.BaaS);
    console.log(JSON.stringify(results));
  `);
  assert.deepEqual(JSON.parse(out), [true, true, true, true, true, true, true, true]);
});

test('mini-program entries run without TextEncoder, TextDecoder, fetch or URL, and leave the globals alone', async () => {
  const srv = await server((req, body) => ({ status: 200, body: JSON.stringify({ code: 0, data: JSON.parse(body).data, error: {} }) }));
  try {
    const out = await runIsolated(`
      import { readFileSync, readdirSync } from 'node:fs';
      import http from 'node:http';
      const wasm = readFileSync('dist/minicloud.wasm');
      const base = new URL(${JSON.stringify(srv.url)});
      for (const name of ['TextEncoder', 'TextDecoder', 'fetch', 'URL', 'Request', 'Response']) delete globalThis[name];
      const store = new Map();
      globalThis.wx = {
        request(o) {
          const r = http.request({ host: base.hostname, port: base.port, path: '/hserve/v1/cloud-function/job/', method: o.method, headers: o.header }, (res) => {
            let d = ''; res.setEncoding('utf8'); res.on('data', (c) => (d += c)); res.on('end', () => o.success({ statusCode: res.statusCode, header: res.headers, data: d }));
          });
          r.on('error', (e) => o.fail({ errMsg: 'request:fail ' + e.message }));
          r.end(o.data);
          return { abort: () => r.destroy() };
        },
        getStorageSync: (k) => (store.has(k) ? store.get(k) : ''),
        setStorageSync: (k, v) => store.set(k, v),
      };
      const { BaaS } = await import('./dist/wx.mjs');
      BaaS.init('cid', { host: ${JSON.stringify(srv.url)}, wasm });
      const r = await BaaS.invoke('echo', { text: 'héllo 世界 🎉' });
      console.log(JSON.stringify({ untouched: typeof TextDecoder === 'undefined' && typeof TextEncoder === 'undefined', data: r.data }));
    `);
    assert.deepEqual(JSON.parse(out), { untouched: true, data: { text: 'héllo 世界 🎉' } });
  } finally {
    await srv.close();
  }
});

test('a wasm loader function given to init replaces the default (as WXWebAssembly.instantiate(path, imports))', async () => {
  const out = await runIsolated(`
    import { readFileSync, readdirSync } from 'node:fs';
    const bytes = readFileSync('dist/minicloud.wasm');
    const { createBaaS } = await import('./dist/wx.mjs');
    const BaaS = createBaaS({ request() {}, getStorageSync: () => '', setStorageSync() {} });
    const asked = [];
    const ready = BaaS.init('cid', { host: 'http://127.0.0.1:9', wasm: (imports) => { asked.push('/minicloud/minicloud.wasm'); return WebAssembly.instantiate(bytes, imports); } });
    const early = BaaS.invoke(''); // made before the wasm is ready: waits, then the core answers
    await ready;
    const e = await early.catch((e) => e);
    console.log(JSON.stringify({ asked, code: e.code }));
  `);
  assert.deepEqual(JSON.parse(out), { asked: ['/minicloud/minicloud.wasm'], code: 605 });
});
