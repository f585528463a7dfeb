// Replays every shared vector (tests/vectors/*.json) through the host entries on simulated hosts over real
// loopback HTTP. The server is the judge of the wire: each request must be the vector's next exchange
// (method, path, SDK headers in order and case with $VERSION = the core's client version, body bytes); it
// answers as the vector says, or fails the exchange (offline/refused/reset: the socket is destroyed, and
// for offline the host's getNetworkType says 'none'; timeout: no answer). Outcomes and storageAfter are
// checked after the calls.
//
// Each vector runs on the host its config.platform names; the wx vectors also run on every other host with
// that host's platform header and silent-login request substituted (web: only those without silent login).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HOSTS, simulatedHost, baasFor } from './sim.mjs';

const VECTOR_DIR = fileURLToPath(new URL('../../tests/vectors/', import.meta.url));
const TRANSPORT_HEADERS = new Set(['host', 'connection', 'content-length', 'content-type', 'transfer-encoding']);
const HEADER_VALUE = { wx: 'WECHAT', qq: 'QQ', my: 'ALIPAY', swan: 'BAIDU', tt: 'BYTEDANCE', jd: 'JINGDONG', ks: 'KUAISHOU', web: 'WEB' };
const PROVIDER = { wx: 'wechat', qq: 'qq', my: 'alipay', swan: 'baidu', tt: 'bytedance', jd: 'jd', ks: 'kuaishou' };

/** The silent-login body of `host` for a code, in that host's key order (PROTOCOL.md §1.6). */
function silentBody(host, createUser, code, appName) {
  switch (host) {
    case 'wx':
      return { create_user: createUser, code, login_with_unionid: false };
    case 'my':
      return { code, create_user: createUser };
    case 'tt':
      return { create_user: createUser, app_name: String(appName || '').toLowerCase(), code };
    default:
      return { create_user: createUser, code };
  }
}

function usesSilentLogin(v) {
  return v.config.autoLogin === true || v.calls.some((c) => c.op === 'silentLogin');
}

/** A wx vector rewritten for another host: platform, platform header, silent-login requests. */
function substitute(v, host) {
  const out = structuredClone(v);
  out.config.platform = host;
  for (const ex of out.exchanges) {
    const r = ex.request;
    r.headers = r.headers.map(([k, val]) => [k, k === 'X-Hydrogen-Client-Platform' ? HEADER_VALUE[host] : val]);
    if (r.path === '/hserve/v2.5/idp/wechat/silent-login/') {
      const body = JSON.parse(r.body);
      r.path = `/hserve/v2.5/idp/${PROVIDER[host]}/silent-login/`;
      r.body = JSON.stringify(silentBody(host, body.create_user, body.code, v.hostEnv && v.hostEnv.appName));
    }
  }
  return out;
}

const vectors = readdirSync(VECTOR_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(VECTOR_DIR + f, 'utf8')));

const cases = [];
for (const v of vectors) {
  const own = v.config.platform;
  if (HOSTS.includes(own)) cases.push({ host: own, v });
  if (own === 'wx') {
    for (const host of HOSTS) {
      if (host === 'wx' || (host === 'web' && usesSilentLogin(v))) continue;
      cases.push({ host, v: substitute(v, host) });
    }
  }
}

test('the vectors are all there', () => {
  assert.ok(vectors.length >= 60, `found ${vectors.length} vectors`);
  assert.ok(cases.length > vectors.length * 6, `only ${cases.length} cases`);
});

/** The loopback server of one vector. */
function vectorServer(v, version) {
  const exchanges = v.exchanges.map((e) => ({ ...e, used: false }));
  const problems = [];
  const held = [];
  const expand = (headers) => headers.map(([k, val]) => [k, val === '$VERSION' ? version : val]);
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length ? Buffer.concat(chunks).toString('utf8') : null;
      const headers = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        if (!TRANSPORT_HEADERS.has(req.rawHeaders[i].toLowerCase())) headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
      }
      const seen = { method: req.method, path: req.url, headers, body };
      const matches = (e) =>
        !e.used &&
        e.request.method === seen.method &&
        e.request.path === seen.path &&
        JSON.stringify(expand(e.request.headers)) === JSON.stringify(seen.headers) &&
        (e.request.body === undefined ? null : e.request.body) === seen.body;
      const next = exchanges.find((e) => !e.used);
      const ex = v.concurrent ? exchanges.find(matches) : next && matches(next) ? next : undefined;
      if (!ex) {
        problems.push(`unexpected request ${JSON.stringify(seen)}\n  expected ${next ? JSON.stringify(next.request) : 'none'}`);
        res.writeHead(599);
        return res.end();
      }
      ex.used = true;
      if (req.method === 'POST' && ex.request.body !== null && ex.request.body !== undefined) {
        const ct = req.headers['content-type'] || '';
        if (!ct.startsWith('application/json')) problems.push(`POST body sent as ${ct}`);
      }
      if (ex.failure === 'timeout' || ex.failure === 'hang') {
        held.push(res);
        return;
      }
      if (ex.failure) {
        req.socket.destroy();
        return;
      }
      res.writeHead(ex.response.status, ex.response.headers || {});
      res.end(ex.response.body || '');
    });
  });
  return {
    problems,
    unused: () => exchanges.filter((e) => !e.used).map((e) => e.request),
    listen: () => new Promise((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${server.address().port}`))),
    close: () => {
      for (const res of held) res.socket && res.socket.destroy();
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

/** The core's X-Hydrogen-Client-Version, what $VERSION stands for: v{the core crate's version}. */
function coreVersion() {
  const manifest = readFileSync(fileURLToPath(new URL('../../Cargo.toml', import.meta.url)), 'utf8');
  return `v${/\[workspace\.package\][^[]*?\bversion = "([^"]+)"/.exec(manifest)[1]}`;
}

/** A number as vectors write it: JSON numbers, or "NaN", "Infinity", "-Infinity". */
function vectorNumber(n) {
  return typeof n === 'string' ? Number(n) : n;
}

function runCall(BaaS, call) {
  const a = call.args || [];
  switch (call.op) {
    case 'invoke':
      // A per-call time limit goes in the options after (name, params, sync).
      if ('timeoutMs' in call) return BaaS.invoke(a[0], a[1], a[2], { timeoutMs: vectorNumber(call.timeoutMs) });
      return BaaS.invoke(...a);
    case 'invokeFunction':
      return BaaS.invokeFunction(...a);
    case 'login':
      return BaaS.auth.login(a[0]);
    case 'register':
      return BaaS.auth.register(a[0]);
    case 'loginWithSms':
      return BaaS.auth.loginWithSmsVerificationCode(...a);
    case 'anonymousLogin':
      return BaaS.auth.anonymousLogin();
    case 'silentLogin':
      return BaaS.auth.silentLogin();
    case 'logout':
      return BaaS.auth.logout();
    case 'clearSession':
      return Promise.resolve().then(() => BaaS.clearSession());
    default:
      throw new Error(`unknown op ${call.op}`);
  }
}

function checkOutcome(i, expect, outcome) {
  if ('result' in expect) {
    assert.equal(outcome.ok, true, `call ${i}: rejected ${outcome.error && outcome.error.message}, expected a result`);
    assert.deepEqual(outcome.value, expect.result, `call ${i}: resolved value`);
  } else if ('ok' in expect) {
    assert.equal(outcome.ok, true, `call ${i}: rejected ${outcome.error && outcome.error.message}`);
  } else {
    assert.equal(outcome.ok, false, `call ${i}: resolved ${JSON.stringify(outcome.value)}, expected an error`);
    const e = outcome.error;
    assert.equal(e.name, 'HError', `call ${i}: ${e.stack}`);
    for (const field of ['code', 'message', 'kind', 'status', 'retryable']) {
      if (field in expect.error) assert.deepEqual(e[field], expect.error[field], `call ${i}: error ${field} (${e.message})`);
    }
  }
}

for (const { host, v } of cases) {
  test(`${v.name} on ${host}`, async () => {
    const realNow = Date.now;
    const sim = simulatedHost(host, { storage: v.storage, ...v.hostEnv });
    const failsByTimeout = v.exchanges.some((e) => e.failure === 'timeout');
    const options = { autoLogin: v.config.autoLogin, env: v.config.env };
    if (v.config.maxRequestBytes) options.maxRequestBytes = v.config.maxRequestBytes;
    if (v.config.maxResponseBytes) options.maxResponseBytes = v.config.maxResponseBytes;
    // A short limit where the vector needs the time limit to pass; the default elsewhere.
    if (failsByTimeout) options.syncTimeoutMs = 300;
    let server;
    try {
      // The vector's clock, for session expiry (the core reads Date.now through the wasm glue).
      Date.now = () => v.now * 1000;
      server = vectorServer(v, coreVersion());
      const BaaS = await baasFor(host, sim.api, v.config.clientId, { ...options, host: await server.listen() });
      const settle = (p) => p.then((value) => ({ ok: true, value }), (error) => ({ ok: false, error }));
      let outcomes;
      if (v.concurrent) {
        outcomes = await Promise.all(v.calls.map((c) => settle(runCall(BaaS, c))));
      } else {
        outcomes = [];
        for (const c of v.calls) outcomes.push(await settle(runCall(BaaS, c)));
      }
      assert.deepEqual(server.problems, [], 'every request is the expected one');
      assert.deepEqual(server.unused(), [], 'every expected request was sent');
      v.calls.forEach((c, i) => checkOutcome(i, c.expect, outcomes[i]));
      for (const [key, want] of Object.entries(v.storageAfter || {})) {
        const got = sim.stored(key);
        if (want === null) assert.ok(got === undefined || got === null || got === '', `storage ${key}: ${JSON.stringify(got)}, expected empty`);
        else assert.deepEqual(got, want, `storage ${key}`);
      }
    } finally {
      Date.now = realNow;
      if (server) await server.close();
    }
  });
}
