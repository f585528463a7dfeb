// Replays the shared vectors (tests/vectors/) through the shipped entries on any JavaScript engine: Node,
// JavaScriptCore's shell, QuickJS. Nothing here needs more than ES2020: no Node API, no network, no real
// timers. The host object is scripted: its request API answers from the vector's exchanges (checking method,
// path, SDK headers in order and body bytes, as the loopback server of vectors.test.mjs does), its storage is
// a Map, its login and network-state APIs answer as the vector's hostEnv says. Time is virtual: this file
// installs its own setTimeout and clock (and no clearTimeout, as JavaScriptCore's shell has none), and
// `replay` runs the event loop itself, so a call that never settles is reported as pending instead of hanging.

const HEADER_VALUE = { wx: 'WECHAT', qq: 'QQ', my: 'ALIPAY', swan: 'BAIDU', tt: 'BYTEDANCE', jd: 'JINGDONG', ks: 'KUAISHOU', web: 'WEB' };
const PROVIDER = { wx: 'wechat', qq: 'qq', my: 'alipay', swan: 'baidu', tt: 'bytedance', jd: 'jd', ks: 'kuaishou' };
export const HOSTS = ['wx', 'qq', 'my', 'swan', 'tt', 'jd', 'ks', 'web'];

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

const usesSilentLogin = (v) => v.config.autoLogin === true || v.calls.some((c) => c.op === 'silentLogin');

/** A wx vector rewritten for another host: platform, platform header, silent-login requests. */
function substitute(v, host) {
  const out = JSON.parse(JSON.stringify(v));
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

/** Every (host, vector) case: each vector on the host its platform names, and every wx vector on every other
 * host (on the web, those without silent login). `hosts` limits the hosts. */
export function cases(vectors, hosts = HOSTS) {
  const out = [];
  for (const v of vectors) {
    const own = v.config.platform;
    if (hosts.includes(own)) out.push({ host: own, v });
    if (own !== 'wx') continue;
    for (const host of hosts) {
      if (host === 'wx' || (host === 'web' && usesSilentLogin(v))) continue;
      out.push({ host, v: substitute(v, host) });
    }
  }
  return out;
}

/** A number as vectors write it: JSON numbers, or "NaN", "Infinity", "-Infinity". */
const vectorNumber = (n) => (typeof n === 'string' ? Number(n) : n);

/** Makes one of the vector's calls on a BaaS object. */
export function runCall(BaaS, call) {
  const a = call.args || [];
  switch (call.op) {
    case 'invoke':
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

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** What is wrong with call `i`'s outcome (`{ok, value}` / `{ok: false, error}`), as sentences. */
export function outcomeProblems(i, expect, outcome) {
  const problems = [];
  if ('result' in expect || 'ok' in expect) {
    if (!outcome.ok) problems.push(`call ${i}: rejected ${outcome.error && outcome.error.message}`);
    else if ('result' in expect && !same(outcome.value, expect.result)) {
      problems.push(`call ${i}: resolved ${JSON.stringify(outcome.value)}, expected ${JSON.stringify(expect.result)}`);
    }
    return problems;
  }
  if (outcome.ok) return [`call ${i}: resolved ${JSON.stringify(outcome.value)}, expected an error`];
  const e = outcome.error;
  if (!e || e.name !== 'HError') return [`call ${i}: rejected with ${e && e.name}: ${e && e.message}, not an HError`];
  for (const field of ['code', 'message', 'kind', 'status', 'retryable']) {
    if (field in expect.error && !same(e[field], expect.error[field])) {
      problems.push(`call ${i}: error ${field} ${JSON.stringify(e[field])}, expected ${JSON.stringify(expect.error[field])}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------- virtual time

const timers = [];
let clockMs = 0;
let timerSeq = 0;
let baseSecs = 0;
const realDateNow = Date.now;
/** The engine's own timer, if it has one: what a host runtime does outside this script (JavaScriptCore
 * compiles WebAssembly in the background) settles in real time. */
const realSetTimeout = typeof setTimeout === 'function' ? setTimeout : null;

/** Installs the virtual event loop's timer and clock (no clearTimeout: cancelled timers fire into nothing). */
function installClock(nowSecs) {
  baseSecs = nowSecs;
  clockMs = 0;
  globalThis.setTimeout = (fn, ms) => {
    timers.push({ due: clockMs + Math.max(0, Number(ms) || 0), seq: ++timerSeq, fn });
    return timerSeq;
  };
  delete globalThis.clearTimeout;
  globalThis.performance = undefined;
  Date.now = () => baseSecs * 1000 + clockMs;
}

async function settleMicrotasks() {
  for (let i = 0; i < 200; i++) await null;
}

/** Runs the virtual event loop until `done()`; false if nothing is left to run and it is still not done. */
async function runUntil(done) {
  let waited = 0;
  for (;;) {
    await settleMicrotasks();
    if (done()) return true;
    if (!timers.length) {
      if (!realSetTimeout || waited++ > 5000) return false;
      await new Promise((r) => realSetTimeout(r, 1));
      continue;
    }
    timers.sort((a, b) => a.due - b.due || a.seq - b.seq);
    const t = timers.shift();
    clockMs = Math.max(clockMs, t.due);
    t.fn();
  }
}

// ---------------------------------------------------------------- the scripted host

const TRANSPORT_HEADERS = ['content-type', 'content-length', 'host', 'connection', 'user-agent'];
const later = (fn) => globalThis.setTimeout(fn, 0);
/** UTF-8 bytes of a string, with what every engine has (`escape`/`unescape` are in every browser engine). */
const utf8 = (text) => Uint8Array.from(unescape(encodeURIComponent(text)), (c) => c.charCodeAt(0)).buffer;

/** The vector's server, as a function: takes a request, returns the exchange it matches (or records why not). */
function scriptedServer(v, version) {
  const exchanges = v.exchanges.map((e) => Object.assign({ used: false }, e));
  const problems = [];
  const expand = (headers) => headers.map(([k, val]) => [k, val === '$VERSION' ? version : val]);
  return {
    problems,
    unused: () => exchanges.filter((e) => !e.used).map((e) => e.request),
    answer(seen) {
      const matches = (e) =>
        !e.used &&
        e.request.method === seen.method &&
        e.request.path === seen.path &&
        same(expand(e.request.headers), seen.headers) &&
        (e.request.body === undefined ? null : e.request.body) === seen.body;
      const next = exchanges.find((e) => !e.used);
      const ex = v.concurrent ? exchanges.find(matches) : next && matches(next) ? next : undefined;
      if (!ex) {
        problems.push(`unexpected request ${JSON.stringify(seen)}; expected ${next ? JSON.stringify(next.request) : 'none'}`);
        return { response: { status: 599, body: '' } };
      }
      ex.used = true;
      return ex;
    },
  };
}

/** What the host's request API saw: method, path, SDK headers in order (transport headers left out), body. */
function seenRequest(url, method, headers, body) {
  const path = url.replace(/^https?:\/\/[^/]+/, '');
  const list = Object.keys(headers || {})
    .filter((k) => !TRANSPORT_HEADERS.includes(k.toLowerCase()))
    .map((k) => [k, headers[k]]);
  return { method, path, headers: list, body: body === undefined ? null : body };
}

/** A scripted host object for `host`: wx-style, Alipay's `my`, or a browser environment for the web entry. */
function scriptedHost(host, v, server) {
  const env = v.hostEnv || {};
  const storage = new Map(Object.entries(v.storage || {}));
  const offline = () => env.networkType === 'none';
  const loginAnswer = (o, field) => {
    if (env.loginHangs) return;
    later(() => {
      if (env.loginFails) return o.fail(host === 'my' ? { error: 11, errorMessage: env.loginFails } : { errMsg: env.loginFails });
      if (env.loginCode) return o.success({ [field]: env.loginCode });
      o.fail(host === 'my' ? { error: 11, errorMessage: 'denied' } : { errMsg: 'login:fail' });
    });
  };
  if (host === 'web') {
    const items = new Map();
    for (const [k, val] of storage) items.set(k, JSON.stringify({ value: val }));
    return {
      stored: (k) => (items.has(k) ? JSON.parse(items.get(k)).value : undefined),
      api: {
        localStorage: { getItem: (k) => (items.has(k) ? items.get(k) : null), setItem: (k, val) => items.set(k, String(val)) },
        navigator: { onLine: !offline() },
        fetch(url, init) {
          const ex = server.answer(seenRequest(url, init.method, init.headers, init.body));
          return new Promise((resolve, reject) => {
            if (ex.failure === 'timeout' || ex.failure === 'hang') return;
            later(() => {
              if (ex.failure) return reject(new TypeError('Failed to fetch'));
              const r = ex.response;
              const headers = Object.entries(r.headers || {});
              const bytes = utf8(r.body || '');
              resolve({
                status: r.status,
                headers: { forEach: (fn) => headers.forEach(([k, val]) => fn(val, k)) },
                arrayBuffer: () => Promise.resolve(bytes),
                body: null,
              });
            });
          });
        },
      },
    };
  }
  const api = {
    request(o) {
      const headers = host === 'my' ? o.headers : o.header;
      const ex = server.answer(seenRequest(o.url, o.method, headers, o.data));
      if (ex.failure === 'timeout' || ex.failure === 'hang') return { abort() {} };
      later(() => {
        if (ex.failure) return o.fail(host === 'my' ? { error: 12, errorMessage: `network ${ex.failure}` } : { errMsg: `request:fail ${ex.failure}` });
        const r = ex.response;
        const ok = r.status >= 200 && r.status < 300;
        if (host === 'my') {
          const answer = { status: r.status, headers: r.headers || {}, data: r.body || '' };
          return ok ? o.success(answer) : o.fail(Object.assign({ error: 19, errorMessage: 'http status error' }, answer));
        }
        o.success({ statusCode: r.status, header: r.headers || {}, data: r.body || '' });
      });
      return { abort() {} };
    },
    getNetworkType(o) {
      later(() => o.success(host === 'my' ? { networkAvailable: !offline(), networkType: offline() ? 'NOTREACHABLE' : 'WIFI' } : { networkType: offline() ? 'none' : 'wifi' }));
    },
    getSystemInfoSync: () => ({ appName: env.appName || 'Toutiao' }),
  };
  if (host === 'my') {
    api.getStorageSync = ({ key }) => ({ data: storage.has(key) ? storage.get(key) : null });
    api.setStorageSync = ({ key, data }) => storage.set(key, data);
    api.getAuthCode = (o) => loginAnswer(o, 'authCode');
  } else {
    api.getStorageSync = (k) => (storage.has(k) ? storage.get(k) : '');
    api.setStorageSync = (k, val) => storage.set(k, val);
    api[host === 'swan' ? 'getLoginCode' : 'login'] = (o) => loginAnswer(o, 'code');
  }
  return { api, stored: (k) => storage.get(k) };
}

/**
 * Replays one case. `createBaaS(hostObject)` makes a BaaS on the engine under test; `init` adds options to
 * BaaS.init (e.g. the wasm source). Returns the problems found (empty: the case passed).
 */
export async function replay({ host, v }, createBaaS, version, init = {}) {
  installClock(v.now);
  const server = scriptedServer(v, version);
  const sim = scriptedHost(host, v, server);
  const options = Object.assign({ host: 'http://vectors.test', autoLogin: v.config.autoLogin, env: v.config.env }, init);
  if (v.config.maxRequestBytes) options.maxRequestBytes = v.config.maxRequestBytes;
  if (v.config.maxResponseBytes) options.maxResponseBytes = v.config.maxResponseBytes;
  if (v.exchanges.some((e) => e.failure === 'timeout')) options.syncTimeoutMs = 300;
  const problems = [];
  try {
    const BaaS = createBaaS(sim.api);
    let ready = false;
    BaaS.init(v.config.clientId, options).then(
      () => (ready = true),
      (e) => problems.push(`init: ${e && e.message}`),
    );
    if (!(await runUntil(() => ready || problems.length)) || problems.length) return problems.concat(ready ? [] : ['init never finished']);
    const outcomes = [];
    const settle = (p) => p.then((value) => ({ ok: true, value }), (error) => ({ ok: false, error }));
    const track = (i, p) => settle(p).then((o) => (outcomes[i] = o));
    if (v.concurrent) v.calls.forEach((c, i) => track(i, runCall(BaaS, c)));
    for (let i = 0; i < v.calls.length; i++) {
      if (!v.concurrent) track(i, runCall(BaaS, v.calls[i]));
      if (!(await runUntil(() => outcomes[i] !== undefined))) problems.push(`call ${i} (${v.calls[i].op}) stayed pending`);
    }
    problems.push(...server.problems);
    if (server.unused().length) problems.push(`never sent: ${JSON.stringify(server.unused())}`);
    v.calls.forEach((c, i) => outcomes[i] && problems.push(...outcomeProblems(i, c.expect, outcomes[i])));
    for (const key of Object.keys(v.storageAfter || {})) {
      const want = v.storageAfter[key];
      const got = sim.stored(key);
      const empty = got === undefined || got === null || got === '';
      if (want === null ? !empty : !same(got, want)) problems.push(`storage ${key}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }
  } catch (e) {
    problems.push(`threw ${e && e.stack ? e.stack : e}`);
  } finally {
    timers.length = 0;
    Date.now = realDateNow;
  }
  return problems;
}
