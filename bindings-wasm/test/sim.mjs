// Simulated mini-program hosts and a simulated browser, each over real loopback HTTP (node:http), shaped
// as each host documents its callback API (PROTOCOL.md §1.7):
// - wx-style (wx, qq, swan, tt, jd, ks): X.request({url, method, header, data, timeout, success, fail}) →
//   {statusCode, header, data}; X.getStorageSync(k) / X.setStorageSync(k, v); X.getNetworkType; login APIs.
// - my (Alipay): my.request with `headers`, answers {status, headers, data}; a non-2xx goes to `fail` with
//   {error: 19, errorMessage, status, data, headers}; storage {key, data}; my.getAuthCode.
// - web: a fetch over node:http (keeps header order and case, honours AbortSignal) + a localStorage.
// A request the host cannot complete (socket destroyed, refused) calls `fail` as the host would.

import http from 'node:http';
import { readFileSync } from 'node:fs';
import { brotliDecompressSync } from 'node:zlib';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

/** The shipped binary (what the web entry fetches, and what apps hand to init's `wasm` option). */
export const WASM = readFileSync(fileURLToPath(new URL('../dist/minicloud.wasm', import.meta.url)));
/** Where WeChat's 构建 npm puts the compressed binary in a code package, and its bytes. */
export const PACKAGE_WASM = '/miniprogram_npm/minicloud-wasm/minicloud.wasm.br';
const PACKAGE_FILES = { [PACKAGE_WASM]: readFileSync(fileURLToPath(new URL('../miniprogram_dist/minicloud.wasm.br', import.meta.url))) };

/** A host wasm loader as WeChat and Douyin document theirs (`WXWebAssembly`, `TTWebAssembly`):
 * `instantiate(path, imports)` from a code-package path only, `.wasm.br` decompressed by the host. Records the
 * paths it was asked for. */
export function hostWasmLoader() {
  const paths = [];
  return {
    paths,
    instantiate(path, imports) {
      paths.push(path);
      const file = PACKAGE_FILES[path];
      if (!file) return Promise.reject(new Error(`instantiate:fail no such file ${path}`));
      return WebAssembly.instantiate(path.endsWith('.br') ? brotliDecompressSync(file) : file, imports);
    },
  };
}
// The simulated mini-program runtime of these tests has the documented loaders (the tests that need a host
// without them run in a process of their own).
globalThis.WXWebAssembly = hostWasmLoader();
globalThis.TTWebAssembly = hostWasmLoader();

export const HOSTS = ['wx', 'qq', 'my', 'swan', 'tt', 'jd', 'ks', 'web'];
export const MINI_PROGRAMS = ['wx', 'qq', 'my', 'swan', 'tt', 'jd', 'ks'];

/** One HTTP exchange over loopback: resolves {status, headers, body} (body as text) or rejects. Header
 * order and case are kept as given. Returns {promise, abort}. */
export function httpExchange({ url, method, headers, body }) {
  const u = new URL(url);
  let req;
  const promise = new Promise((resolve, reject) => {
    req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body !== undefined && body !== null) req.write(typeof body === 'string' ? body : JSON.stringify(body));
    req.end();
  });
  return { promise, abort: () => req.destroy(new Error('aborted')) };
}

/** The calls a host API saw, for assertions. */
function recorder() {
  const calls = [];
  return { calls, note: (name, args) => calls.push({ name, args }) };
}

/**
 * A wx-style host. `opts`:
 * - storage: initial storage {key: value}
 * - loginCode, loginFails (the login API fails with this text), loginHangs (it never calls back), appName,
 *   networkType ('none' = offline), networkFails (getNetworkType calls fail),
 *   networkSilent (getNetworkType never calls back)
 * - httpErrorsVia: 'success' (wx, the default) | 'fail' (statusCode in fail, as jd/ks do) | 'errMsg' (status
 *   only inside errMsg) | 'both' (fail with the status in errMsg AND success, ks's double callback)
 * - failWith: every request fails at once with this object (e.g. {errMsg: 'request:fail 网络异常:timeout'}),
 *   nothing is sent
 * - loginFailWith: the login API fails with this object (default {errMsg: 'login:fail'}) when there is no loginCode
 */
export function wxStyleHost(platform, opts = {}) {
  const storage = new Map(Object.entries(opts.storage || {}));
  const rec = recorder();
  const requests = [];
  const api = {
    storage,
    calls: rec.calls,
    requests,
    request(o) {
      rec.note('request', o);
      requests.push({ url: o.url, method: o.method, header: o.header, data: o.data, timeout: o.timeout, dataType: o.dataType });
      if (opts.failWith) {
        setImmediate(() => o.fail(opts.failWith));
        return { abort() {} };
      }
      const ex = httpExchange({ url: o.url, method: o.method, headers: o.header, body: o.data });
      let hostTimer = null;
      if (typeof o.timeout === 'number') {
        hostTimer = setTimeout(() => {
          ex.abort();
          o.fail({ errMsg: 'request:fail timeout' });
        }, o.timeout);
      }
      let aborted = false;
      ex.promise.then(
        (res) => {
          clearTimeout(hostTimer);
          if (aborted) return;
          const text = res.body.toString('utf8');
          const answer = { statusCode: res.status, header: res.headers, data: text };
          const ok = res.status >= 200 && res.status < 300;
          const via = opts.httpErrorsVia || 'success';
          if (ok || via === 'success') return o.success(answer);
          if (via === 'fail') return o.fail({ errMsg: 'request:fail', ...answer });
          if (via === 'errMsg') return o.fail({ errMsg: `request:fail ${res.status}` });
          // 'both': the status only inside errMsg, then the answer again through success
          o.fail({ errMsg: `request:fail ${res.status}` });
          o.success(answer);
        },
        (e) => {
          clearTimeout(hostTimer);
          if (!aborted) o.fail({ errMsg: `request:fail ${e.code || e.message}` });
        },
      );
      return {
        abort() {
          aborted = true;
          clearTimeout(hostTimer);
          ex.abort();
          rec.note('abort', {});
        },
      };
    },
    getStorageSync: (k) => (storage.has(k) ? storage.get(k) : ''),
    setStorageSync: (k, v) => {
      storage.set(k, v);
    },
    getNetworkType(o) {
      rec.note('getNetworkType', o);
      if (opts.networkSilent) return;
      if (opts.networkFails) return setImmediate(() => o.fail({ errMsg: 'getNetworkType:fail' }));
      setImmediate(() => o.success({ networkType: opts.networkType || 'wifi' }));
    },
    getSystemInfoSync: () => ({ appName: opts.appName || 'Toutiao', platform: 'ios' }),
  };
  const codeAnswer = (o, extra) => {
    rec.note('loginCode', o);
    if (opts.loginHangs) return; // a login API that never calls back
    if (opts.loginFails) return setImmediate(() => o.fail({ errMsg: opts.loginFails }));
    setImmediate(() =>
      opts.loginCode ? o.success({ code: opts.loginCode, ...extra }) : o.fail(opts.loginFailWith || { errMsg: 'login:fail' }),
    );
  };
  if (platform === 'swan') api.getLoginCode = (o) => codeAnswer(o);
  else api.login = (o) => codeAnswer(o);
  return api;
}

/** An Alipay host (`my`); `opts` as wxStyleHost (loginCode is the authCode). */
export function alipayHost(opts = {}) {
  const storage = new Map(Object.entries(opts.storage || {}));
  const rec = recorder();
  const requests = [];
  return {
    storage,
    calls: rec.calls,
    requests,
    request(o) {
      rec.note('request', o);
      requests.push({ url: o.url, method: o.method, headers: o.headers, data: o.data, timeout: o.timeout });
      if (opts.failWith) {
        setImmediate(() => o.fail(opts.failWith));
        return { abort() {} };
      }
      const ex = httpExchange({ url: o.url, method: o.method, headers: o.headers, body: o.data });
      let aborted = false;
      ex.promise.then(
        (res) => {
          if (aborted) return;
          const answer = { status: res.status, headers: res.headers, data: res.body.toString('utf8') };
          if (res.status >= 200 && res.status < 300) o.success(answer);
          else o.fail({ error: 19, errorMessage: 'http status error', ...answer });
        },
        () => {
          if (!aborted) o.fail({ error: 12, errorMessage: 'network error' });
        },
      );
      return {
        abort() {
          aborted = true;
          ex.abort();
          rec.note('abort', {});
        },
      };
    },
    getStorageSync: ({ key }) => ({ data: storage.has(key) ? storage.get(key) : null }),
    setStorageSync: ({ key, data }) => {
      storage.set(key, data);
    },
    getNetworkType(o) {
      rec.note('getNetworkType', o);
      if (opts.networkSilent) return;
      if (opts.networkFails) return setImmediate(() => o.fail({ error: 3, errorMessage: 'fail' }));
      const type = opts.networkType || 'WIFI';
      setImmediate(() => o.success({ networkAvailable: type !== 'none', networkType: type === 'none' ? 'NOTREACHABLE' : type }));
    },
    getAuthCode(o) {
      rec.note('loginCode', o);
      if (opts.loginHangs) return;
      if (opts.loginFails) return setImmediate(() => o.fail({ error: 11, errorMessage: opts.loginFails }));
      setImmediate(() =>
        opts.loginCode ? o.success({ authCode: opts.loginCode }) : o.fail(opts.loginFailWith || { error: 11, errorMessage: 'denied' }),
      );
    },
  };
}

/** A browser: fetch over node:http honouring AbortSignal, a localStorage, navigator.onLine. */
export function webEnv(opts = {}) {
  const items = new Map();
  for (const [k, v] of Object.entries(opts.storage || {})) items.set(k, JSON.stringify({ value: v }));
  const requests = [];
  const localStorage = {
    getItem: (k) => (items.has(k) ? items.get(k) : null),
    setItem: (k, v) => items.set(k, String(v)),
    removeItem: (k) => items.delete(k),
  };
  function fetch(url, init = {}) {
    requests.push({ url, ...init });
    return new Promise((resolve, reject) => {
      const ex = httpExchange({ url, method: init.method || 'GET', headers: init.headers, body: init.body });
      const signal = init.signal;
      const onAbort = () => {
        ex.abort();
        reject(new DOMException('The operation was aborted.', 'AbortError'));
      };
      if (signal) {
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
      }
      ex.promise.then(
        (res) => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) headers.append(k, Array.isArray(v) ? v.join(', ') : v);
          resolve(new Response(res.body.length ? res.body : null, { status: res.status, headers }));
        },
        // what fetch does on a network failure
        (e) => reject(new TypeError('fetch failed', { cause: e })),
      );
    });
  }
  return {
    fetch,
    localStorage,
    items,
    requests,
    navigator: { onLine: opts.networkType !== 'none' },
    /** A stored value, decoded from the official web format {"value": v}. */
    stored(k) {
      return items.has(k) ? JSON.parse(items.get(k)).value : undefined;
    },
  };
}

/** A simulated host for `platform` with `opts`, plus uniform access to its storage. */
export function simulatedHost(platform, opts = {}) {
  if (platform === 'web') {
    const env = webEnv(opts);
    return { api: env, stored: (k) => env.stored(k) };
  }
  const api = platform === 'my' ? alipayHost(opts) : wxStyleHost(platform, opts);
  return { api, stored: (k) => api.storage.get(k) };
}

/** The hosts whose entry runs the wasm build by default (the others' entries are their JS build). */
export const WASM_BY_DEFAULT = ['wx', 'tt', 'web'];

/** The ES module entry of a host (`build` 'js': minicloud-wasm/<host>/js, the JS build). */
export function entry(platform, build) {
  const js = build === 'js' && WASM_BY_DEFAULT.includes(platform);
  return import(`../dist/${platform}${js ? '-js' : ''}.mjs`);
}

/** A fresh BaaS for `platform` over `api`, initialised with `options` and nothing else: each entry finds
 * its core by itself (wx, tt: the host loader and the package path; qq, my, swan, jd, ks: the JS build
 * bundled in the entry). The web entry, which fetches its binary from beside itself in a browser, is handed
 * the bytes here (Node's fetch reads no file: URL); Chromium tests the fetch. */
export async function baasFor(platform, api, clientId, options = {}, build) {
  const { createBaaS } = await entry(platform, build);
  const BaaS = createBaaS(api);
  await BaaS.init(clientId, platform === 'web' && build !== 'js' ? { wasm: WASM, ...options } : options);
  return BaaS;
}

/** Runs an ES module in a fresh Node process (from the package folder) and returns its stdout; for runtimes
 * without some global, or without the host loaders this file installs. Asynchronous: test servers live in the
 * calling process. */
export async function runIsolated(source) {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', source], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    encoding: 'utf8',
    timeout: 30000,
  });
  return stdout;
}

/** The core's X-Hydrogen-Client-Version, what the vectors' $VERSION stands for: v{the workspace version}. */
export function coreVersion() {
  const manifest = readFileSync(fileURLToPath(new URL('../../Cargo.toml', import.meta.url)), 'utf8');
  return `v${/\[workspace\.package\][^[]*?\bversion = "([^"]+)"/.exec(manifest)[1]}`;
}
