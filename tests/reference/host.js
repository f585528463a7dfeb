'use strict';
// A simulated host plus a real loopback HTTP server, used to replay one tests/vectors/*.json case through
// the official minapp-sdk: its wx build (lib/index.js) on a simulated WeChat host, or its web build
// (lib/web.js) on a simulated browser (a DOM shim: window, document, navigator, localStorage and an
// XMLHttpRequest over node:http).
//
// Everything the SDK hands to `wx.request` (or to XMLHttpRequest) goes over real HTTP to 127.0.0.1, encoded
// the way WeChat encodes it (object data JSON-serialised with content-type application/json for
// non-GET methods, turned into a query string for GET; dataType 'json' answers parsed, falling
// back to the raw string). Transport failures are produced for real where cheap:
//   refused -> connect to a loopback port nobody listens on (ECONNREFUSED)
//   reset   -> the server reads the request, then resets the socket (RST)
//   timeout -> the server never answers; the host gives up after HOST_TIMEOUT_MS like wx does
//   offline -> no connection attempt (a wx host without network), getNetworkType says 'none'

const http = require('node:http');
const path = require('node:path');

const SDK_VERSION = 'v3.23.6';
const HOST_TIMEOUT_MS = 600; // long enough that a loaded CI machine answering loopback never looks like a timeout

// Requests the official SDK makes that are not part of the protocol under test. Each is
// recognised by path (and method), answered plausibly, and excluded from the comparison.
// Documented in README.md and in tests/vectors/README.md.
// Headers a transport adds by itself (axios, the web build's transport, also sets `Accept`); the vectors do not
// list them.
const TRANSPORT_HEADERS = new Set(['host', 'connection', 'content-length', 'content-type', 'transfer-encoding', 'accept']);

const SIDE_REQUESTS = [
  {
    name: 'current-user fetch after password/SMS/anonymous login (and loginWithWechat with a live session)',
    method: 'GET',
    re: /^\/hserve\/v2\.5\/user\/info\/([^/?]*)\/(\?.*)?$/,
    answer(m, storage) {
      const raw = decodeURIComponent(m[1]);
      const id = /^\d+$/.test(raw) ? Number(raw) : raw;
      const openid = storage.get('ifx_baas_openid');
      const unionid = storage.get('ifx_baas_unionid');
      return {
        status: 200,
        body: JSON.stringify({
          id,
          nickname: '',
          openid: openid || null,
          unionid: unionid || null,
          _anonymous: storage.get('ifx_baas_is_anonymous_user') === 1,
          created_at: 1700000000,
          updated_at: 1700000000,
        }),
      };
    },
  },
  {
    name: 'latest-SDK-version check (only when wx.getSystemInfoSync().platform is "devtools")',
    method: 'GET',
    re: /^\/hserve\/v1\/latest-sdk-version\/(\?.*)?$/,
    answer() {
      return { status: 200, body: JSON.stringify({ wechat_miniapp: '3.23.6' }) };
    },
  },
  {
    name: 'template-message stats report (after a non-anonymous login when stats were queued)',
    method: 'POST',
    re: /^\/hserve\/v2\.0\/template-message\/event-report\/(\?.*)?$/,
    answer() {
      return { status: 201, body: '{}' };
    },
  },
];

function sideRequestFor(method, urlPath) {
  for (const s of SIDE_REQUESTS) {
    if (s.method !== method) continue;
    const m = s.re.exec(urlPath);
    if (m) return { side: s, m };
  }
  return null;
}

function substVersion(headers) {
  return headers.map(([k, v]) => [k, v === '$VERSION' ? SDK_VERSION : v]);
}

function sameRequest(a, e) {
  // a: recorded {method, path, headers, body}; e: vector exchange.request
  return (
    a.method === e.method &&
    a.path === e.path &&
    JSON.stringify(a.headers) === JSON.stringify(substVersion(e.headers || [])) &&
    a.body === (e.body === undefined ? null : e.body)
  );
}

function wxQueryString(data) {
  // what WeChat does with object data on GET: key=value pairs, values URI-encoded,
  // objects JSON-encoded first
  return Object.keys(data)
    .map((k) => {
      let v = data[k];
      if (v !== null && typeof v === 'object') v = JSON.stringify(v);
      return encodeURIComponent(k) + '=' + encodeURIComponent(v);
    })
    .join('&');
}

function closedPort() {
  return new Promise((resolve, reject) => {
    const s = http.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Run one case. Returns a record of what happened; judging is done by the caller.
async function runCase(vec, opts = {}) {
  const callTimeoutMs = opts.callTimeoutMs || 4000; // a call still unsettled after this is reported "pending"
  const exchanges = (vec.exchanges || []).map((x, i) => ({ ...x, index: i, used: false }));
  const storage = new Map(Object.entries(vec.storage || {}));
  const hostEnv = vec.hostEnv || {};
  const nowMs = vec.now * 1000;
  const log = []; // everything notable, for diagnostics
  const requests = []; // host-level record of protocol requests (what wx.request was asked to send)
  const sideRequests = [];
  const serverSeen = []; // what actually arrived on the wire
  const pendingForServer = []; // exchanges assigned by the host, waiting for their wire request
  let closed = false;
  let offline = false;
  const sockets = new Set();

  const later = (fn) => setImmediate(() => {
    if (!closed) fn();
  });

  // ---------------- loopback server ----------------
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const seen = {
        method: req.method,
        path: req.url,
        rawHeaders: pairs(req.rawHeaders),
        body: body.length ? body.toString('utf8') : null,
      };
      serverSeen.push(seen);
      // pair the wire request with the wx.request call that produced it: same method, path, body
      // and the same SDK headers in the same order (transport headers aside)
      const sdkHeaders = seen.rawHeaders.filter(([k]) => !TRANSPORT_HEADERS.has(k.toLowerCase()));
      const k = pendingForServer.findIndex(
        (p) =>
          p.method === seen.method &&
          p.path === seen.path &&
          p.body === seen.body &&
          JSON.stringify(p.rec.headers) === JSON.stringify(sdkHeaders),
      );
      let plan;
      if (k >= 0) {
        const p = pendingForServer.splice(k, 1)[0];
        seen.rec = p.rec;
        plan = p.plan;
      } else {
        plan = { response: { status: 599, body: JSON.stringify({ error_msg: 'reference harness: wire request matches no wx.request call' }) } };
      }
      seen.plan = plan;
      if (plan.failure === 'reset') {
        if (typeof req.socket.resetAndDestroy === 'function') req.socket.resetAndDestroy();
        else req.socket.destroy();
        return;
      }
      if (plan.failure === 'timeout') return; // never answer; the host times out
      if (plan.failure === 'hang') return; // never answer, and the host does not give up either
      const r = plan.response;
      const headers = Object.assign({ 'content-type': 'application/json' }, r.headers || {});
      const out = r.body === null || r.body === undefined ? '' : r.body;
      res.writeHead(r.status, headers);
      res.end(out);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const refusedPort = await closedPort();

  function pairs(raw) {
    const out = [];
    for (let i = 0; i < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
    return out;
  }

  // ---------------- simulated wx host ----------------
  function takeExchange(rec) {
    const unused = exchanges.filter((x) => !x.used);
    if (!unused.length) return null;
    let x = unused[0];
    if (vec.concurrent) {
      const same = unused.find((u) => u.request && sameRequest(rec, u.request));
      if (same) x = same;
    }
    x.used = true;
    return x;
  }

  function doHttp({ url, method, headers, body, dataType, port, hang }, success, fail) {
    const u = new URL(url);
    const h = {};
    for (const [k, v] of Object.entries(headers)) h[k] = v;
    const hasCT = Object.keys(h).some((k) => k.toLowerCase() === 'content-type');
    if (!hasCT) h['content-type'] = 'application/json';
    const payload = body === null ? null : Buffer.from(body, 'utf8');
    if (payload) h['content-length'] = String(payload.length);
    const req = http.request(
      {
        host: '127.0.0.1',
        port: port || u.port,
        method,
        path: u.pathname + u.search,
        headers: h,
        agent: false,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          if (closed) return;
          const text = Buffer.concat(chunks).toString('utf8');
          let data = text;
          if (dataType === 'json') {
            try {
              data = JSON.parse(text);
            } catch (_) {
              data = text;
            }
          }
          success({ statusCode: res.statusCode, data, header: res.headers, cookies: [], errMsg: 'request:ok' });
        });
      },
    );
    if (!hang) {
      req.setTimeout(HOST_TIMEOUT_MS, () => {
        req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
      });
    }
    req.on('error', (err) => {
      if (closed) return;
      const why =
        err.code === 'ECONNREFUSED' ? 'net::ERR_CONNECTION_REFUSED'
        : err.code === 'ETIMEDOUT' ? 'timeout'
        : err.code === 'ECONNRESET' ? 'net::ERR_CONNECTION_RESET'
        : String(err.code || err.message);
      fail({ errMsg: `request:fail ${why}` });
    });
    if (payload) req.write(payload);
    req.end();
  }

  // Sends one request the SDK handed to its host (`wx.request`, or XMLHttpRequest on the web): a recognised
  // side request, the case's next exchange (or its scripted failure), or a request no exchange expects.
  // `rec` is {method, path, headers (the SDK's, in order), body, url}; `wireHeaders` what goes on the wire;
  // `answer(kind, res)` gets ('success', {statusCode, data, header}) or ('fail', {errMsg}).
  function send(rec, wireHeaders, dataType, answer) {
    const { method, path: urlPath, body } = rec;
    const finish = (kind, res) => {
      if (closed) return;
      if (rec.exchange === undefined || exchanges[rec.exchange].failure !== 'offline') offline = false;
      rec.outcome = kind === 'success' ? { statusCode: res.statusCode } : { fail: res.errMsg };
      answer(kind, res);
    };
    const http = (port, hang) =>
      doHttp({ url: base + urlPath, method, headers: wireHeaders, body, dataType, port, hang }, (r) => finish('success', r), (r) => finish('fail', r));
    // protocol exchange, or a recognised side request?
    const x = (() => {
      const side = sideRequestFor(method, urlPath);
      if (side) {
        // a side request is only taken as an exchange if the vector lists it next
        const unused = exchanges.filter((e) => !e.used);
        const wants = unused.find((e) => e.request && e.request.method === method && e.request.path === urlPath);
        if (!wants) {
          rec.side = side.side.name;
          sideRequests.push(rec);
          return 'side';
        }
      }
      return takeExchange(rec);
    })();
    if (x === 'side') {
      const side = sideRequestFor(method, urlPath);
      pendingForServer.push({ method, path: urlPath, body, rec, plan: { response: side.side.answer(side.m, storage) } });
      return http();
    }
    requests.push(rec);
    if (!x) {
      rec.unexpected = true;
      pendingForServer.push({ method, path: urlPath, body, rec, plan: { response: { status: 599, body: JSON.stringify({ error_msg: 'reference harness: unexpected request' }) } } });
      return http();
    }
    rec.exchange = x.index;
    if (x.failure === 'offline') {
      later(() => {
        offline = true; // until the next request completes: getNetworkType (navigator.onLine) now says offline
        finish('fail', { errMsg: 'request:fail net::ERR_INTERNET_DISCONNECTED' });
      });
      return undefined;
    }
    if (x.failure === 'refused') return http(refusedPort);
    pendingForServer.push({ method, path: urlPath, body, rec, plan: x.failure ? { failure: x.failure } : { response: x.response } });
    // a "hang": the server never answers, on a host without a request timeout of its own
    return http(undefined, x.failure === 'hang');
  }

  const wx = {
    request(o) {
      const method = String(o.method || 'GET').toUpperCase();
      const header = o.header || {};
      const dataType = o.dataType === undefined ? 'json' : o.dataType;
      const u = new URL(o.url);
      let urlPath = u.pathname + u.search;
      let body = null;
      const data = o.data;
      if (method === 'GET') {
        if (data && typeof data === 'object') {
          const qs = wxQueryString(data);
          if (qs) urlPath += (u.search ? '&' : '?') + qs;
        } else if (typeof data === 'string' && data) {
          urlPath += (u.search ? '&' : '?') + data;
        }
      } else if (data !== undefined) {
        body = typeof data === 'string' ? data : JSON.stringify(data);
      }
      const headers = Object.entries(header).map(([k, v]) => [k, String(v)]);
      const rec = { method, path: urlPath, headers, body, url: o.url };
      send(rec, header, dataType, (kind, res) => {
        const cb = kind === 'success' ? o.success : o.fail;
        try {
          if (typeof cb === 'function') cb(res);
          if (typeof o.complete === 'function') o.complete(res);
        } catch (e) {
          // an exception thrown by the SDK inside a wx callback; a real host would swallow it too
          log.push(`exception in wx.request ${kind} callback: ${e && e.stack}`);
          rec.callbackThrew = String(e);
        }
      });
      return { abort() {} };
    },
    getNetworkType(o) {
      log.push('wx.getNetworkType');
      const t = offline ? 'none' : hostEnv.networkType === undefined ? 'wifi' : hostEnv.networkType;
      later(() => {
        if (hostEnv.getNetworkTypeFails) {
          if (o.fail) o.fail({ errMsg: 'getNetworkType:fail' });
        } else if (o.success) o.success({ networkType: t, errMsg: 'getNetworkType:ok' });
        if (o.complete) o.complete({});
      });
    },
    login(o = {}) {
      log.push('wx.login');
      if (hostEnv.loginHangs) return; // a wx.login that never calls back
      later(() => {
        if (hostEnv.loginFails !== undefined) {
          if (o.fail) o.fail({ errMsg: hostEnv.loginFails });
        } else if (hostEnv.loginCode === undefined || hostEnv.loginCode === null) {
          if (o.fail) o.fail({ errMsg: 'login:fail' });
        } else if (o.success) o.success({ code: hostEnv.loginCode, errMsg: 'login:ok' });
        if (o.complete) o.complete({});
      });
    },
    setStorageSync(k, v) {
      storage.set(k, clone(v));
    },
    getStorageSync(k) {
      return storage.has(k) ? clone(storage.get(k)) : '';
    },
    removeStorageSync(k) {
      storage.delete(k);
    },
    clearStorageSync() {
      storage.clear();
    },
    setStorage({ key, data, success, fail, complete }) {
      storage.set(key, clone(data));
      later(() => {
        if (success) success({ errMsg: 'setStorage:ok' });
        if (complete) complete({});
      });
    },
    getStorage({ key, success, fail, complete }) {
      const has = storage.has(key);
      const v = clone(storage.get(key));
      later(() => {
        if (has) {
          if (success) success({ data: v, errMsg: 'getStorage:ok' });
        } else if (fail) fail({ errMsg: 'getStorage:fail data not found' });
        if (complete) complete({});
      });
    },
    removeStorage({ key, success, complete }) {
      storage.delete(key);
      later(() => {
        if (success) success({ errMsg: 'removeStorage:ok' });
        if (complete) complete({});
      });
    },
    getSystemInfoSync() {
      // a real phone (not "devtools"), so the SDK skips its latest-version check
      return {
        platform: 'android',
        SDKVersion: '3.3.4',
        version: '8.0.47',
        brand: 'reference',
        model: 'reference',
        system: 'Android 14',
        language: 'zh_CN',
        pixelRatio: 3,
        windowWidth: 390,
        windowHeight: 844,
        screenWidth: 390,
        screenHeight: 844,
      };
    },
    getSystemInfo(o) {
      const r = wx.getSystemInfoSync();
      later(() => o && o.success && o.success(r));
    },
    getAccountInfoSync() {
      return { miniProgram: { appId: 'wxreference', envVersion: 'release', version: '' } };
    },
  };

  function clone(v) {
    return v === undefined ? undefined : structuredClone(v);
  }

  // ---------------- simulated browser (the web build) ----------------
  // localStorage keeps text, as a browser does; the web build stores each value as JSON {"value": v}
  // (PROTOCOL.md §1.7). `storage` (what the checks and the side requests read) holds the decoded values, so a
  // value the SDK stored in another shape shows up as its raw text and fails the case.
  const webItems = new Map();
  const decodeWebItem = (text) => {
    try {
      const parsed = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object' && 'value' in parsed) return parsed.value;
    } catch (_) {
      // not the official shape: keep the text
    }
    return text;
  };
  const localStorage = {
    getItem: (k) => (webItems.has(String(k)) ? webItems.get(String(k)) : null),
    setItem(k, v) {
      webItems.set(String(k), String(v));
      storage.set(String(k), decodeWebItem(String(v)));
    },
    removeItem(k) {
      webItems.delete(String(k));
      storage.delete(String(k));
    },
    clear() {
      webItems.clear();
      storage.clear();
    },
  };

  /** The part of XMLHttpRequest the web build's transport (axios) uses, over the same loopback path as wx. */
  class XMLHttpRequest {
    constructor() {
      Object.assign(this, { readyState: 0, status: 0, statusText: '', response: '', responseText: '', responseType: '' });
      Object.assign(this, { timeout: 0, withCredentials: false, responseURL: '', _headers: [], _answerHeaders: {} });
    }
    open(method, url) {
      this._method = String(method).toUpperCase();
      this._url = new URL(url, base);
      this.readyState = 1;
    }
    setRequestHeader(name, value) {
      this._headers.push([String(name), String(value)]);
    }
    getAllResponseHeaders() {
      return Object.entries(this._answerHeaders)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\r\n');
    }
    getResponseHeader(name) {
      const v = this._answerHeaders[String(name).toLowerCase()];
      return v === undefined ? null : String(v);
    }
    abort() {
      this._aborted = true;
      if (typeof this.onabort === 'function') this.onabort();
    }
    send(data) {
      const urlPath = this._url.pathname + this._url.search;
      const body = data === undefined || data === null ? null : String(data);
      const headers = this._headers.filter(([k]) => !TRANSPORT_HEADERS.has(k.toLowerCase()));
      const rec = { method: this._method, path: urlPath, headers, body, url: this._url.href };
      send(rec, Object.fromEntries(this._headers), 'text', (kind, res) => {
        if (this._aborted) return;
        this.readyState = 4;
        const fire = (name) => {
          try {
            if (typeof this[name] === 'function') this[name]();
          } catch (e) {
            log.push(`exception in XMLHttpRequest ${name}: ${e && e.stack}`);
            rec.callbackThrew = String(e);
          }
        };
        if (kind === 'success') {
          Object.assign(this, { status: res.statusCode, statusText: http.STATUS_CODES[res.statusCode] || '' });
          Object.assign(this, { response: res.data, responseText: res.data, responseURL: this._url.href, _answerHeaders: res.header });
          for (const name of ['onreadystatechange', 'onload', 'onloadend']) fire(name);
        } else {
          for (const name of ['onreadystatechange', /timeout/.test(res.errMsg) && this.timeout ? 'ontimeout' : 'onerror', 'onloadend']) fire(name);
        }
      });
    }
  }

  /** The browser globals of the web build: window, document, navigator, location, localStorage, XMLHttpRequest. */
  function browserGlobals() {
    for (const [k, v] of storage) webItems.set(k, JSON.stringify({ value: v }));
    const location = new URL('/', base);
    const anchor = () => {
      const a = {
        setAttribute(name, value) {
          if (name !== 'href') return;
          const u = new URL(value, base);
          const { href, protocol, host, search, hash, hostname, port, pathname } = u;
          Object.assign(a, { href, protocol, host, search, hash, hostname, port, pathname });
        },
      };
      return a;
    };
    const navigator = {
      userAgent: 'Mozilla/5.0 (reference harness) Chrome/120',
      product: 'Gecko',
      get onLine() {
        return !offline && hostEnv.networkType !== 'none';
      },
    };
    const noop = () => {};
    const document = {
      cookie: '',
      createElement: anchor,
      createTextNode: (text) => ({ text }),
      querySelector: () => null,
      addEventListener: noop,
      removeEventListener: noop,
      body: { appendChild: noop, removeChild: noop },
    };
    // As in a browser, `window` is the global object itself (the SDK's core-js finds Symbol, Math, ... on it).
    return {
      window: globalThis,
      document,
      navigator,
      localStorage,
      XMLHttpRequest,
      location,
      addEventListener: noop,
      removeEventListener: noop,
    };
  }

  // ---------------- load the SDK fresh on this host ----------------
  const platform = (vec.config && vec.config.platform) || 'wx';
  const sdkPath = platform === 'web' ? require.resolve('minapp-sdk/lib/web.js') : require.resolve('minapp-sdk');
  const sdkDir = path.dirname(sdkPath);
  for (const k of Object.keys(require.cache)) if (k.startsWith(sdkDir)) delete require.cache[k];

  const wxGlobals = {
    wx,
    window: {}, // the UMD wrapper evaluates `window`; no WebSocket in it
    getApp: () => ({ globalData: {} }),
    Page: () => {},
    App: () => {},
    Component: () => {},
    // The WeChat base library provides a global regeneratorRuntime; the SDK's multipart-upload
    // module touches regeneratorRuntime.mark at load time. Nothing under test runs a generator.
    regeneratorRuntime: {
      mark: (fn) => fn,
      wrap() {
        throw new Error('reference harness: regeneratorRuntime stub (multipart upload is not under test)');
      },
    },
  };
  const hostGlobals = platform === 'web' ? browserGlobals() : wxGlobals;
  // Node may define some of these itself (navigator): keep each global's own descriptor to put it back.
  const saved = { dateNow: Date.now, globals: new Map() };
  for (const [name, value] of Object.entries(hostGlobals)) {
    saved.globals.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: true });
  }
  Date.now = () => nowMs;
  // the SDK logs transport failures with console.*; keep them with the case instead of the TAP stream
  const consoleSaved = {};
  for (const m of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
    consoleSaved[m] = console[m];
    console[m] = (...a) => log.push(`console.${m}: ${a.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' ')}`);
  }

  const outcomes = [];
  try {
    const BaaS = require(sdkPath);
    const cfg = vec.config || {};
    const initOpts = { host: base, autoLogin: !!cfg.autoLogin };
    if (cfg.env !== undefined) initOpts.env = cfg.env;
    if (cfg.logLevel !== undefined) initOpts.logLevel = cfg.logLevel;
    let initError = null;
    try {
      BaaS.init(cfg.clientId, initOpts);
    } catch (e) {
      initError = e;
    }

    const start = (call) => {
      const args = call.args || [];
      let p;
      try {
        switch (call.op) {
          case 'invoke':
            p = BaaS.invoke(...args);
            break;
          case 'invokeFunction':
            p = BaaS.invokeFunction(...args);
            break;
          case 'login':
            p = BaaS.auth.login(...args);
            break;
          case 'register':
            p = BaaS.auth.register(...args);
            break;
          case 'loginWithSms':
            p = BaaS.auth.loginWithSmsVerificationCode(...args);
            break;
          case 'anonymousLogin':
            p = BaaS.auth.anonymousLogin(...args);
            break;
          case 'silentLogin':
            // the public silent-login entry: wx's loginWithWechat; the web build's own silentLogin
            p = platform === 'web' ? BaaS.auth.silentLogin(...args) : BaaS.auth.loginWithWechat(...args);
            break;
          case 'logout':
            p = BaaS.auth.logout(...args);
            break;
          case 'clearSession':
            p = BaaS.clearSession(...args);
            break;
          default:
            throw new Error(`reference harness: unknown op ${call.op}`);
        }
      } catch (e) {
        return Promise.resolve({ status: 'rejected', error: e, sync: true });
      }
      return bounded(Promise.resolve(p));
    };

    const bounded = (p) =>
      new Promise((resolve) => {
        const t = setTimeout(() => resolve({ status: 'pending' }), callTimeoutMs);
        p.then(
          (value) => {
            clearTimeout(t);
            resolve({ status: 'fulfilled', value });
          },
          (error) => {
            clearTimeout(t);
            resolve({ status: 'rejected', error });
          },
        );
      });

    if (initError) {
      for (const _ of vec.calls || []) outcomes.push({ status: 'rejected', error: initError, sync: true, init: true });
    } else if (vec.concurrent) {
      outcomes.push(...(await Promise.all((vec.calls || []).map(start))));
    } else {
      for (const call of vec.calls || []) outcomes.push(await start(call));
    }
    // let trailing fire-and-forget work (stats report, async storage writes) land
    await new Promise((r) => setTimeout(r, 30));
  } finally {
    closed = true;
    Date.now = saved.dateNow;
    Object.assign(console, consoleSaved);
    for (const [name, descriptor] of saved.globals) {
      if (descriptor === undefined) delete globalThis[name];
      else Object.defineProperty(globalThis, name, descriptor);
    }
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }

  return { base, requests, sideRequests, serverSeen, exchanges, outcomes, storage, log };
}

module.exports = { runCase, SIDE_REQUESTS, SDK_VERSION, substVersion, sameRequest };
