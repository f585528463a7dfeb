// Host objects for the consumer projects (test/package.test.mjs): a wx-style host and Alipay's `my` over
// node:http, and a browser environment over Node's fetch, all talking to MINICLOUD_URL.
const http = require('node:http');

function exchange(url, method, headers, body, done) {
  const u = new URL(url);
  const r = http.request({ host: u.hostname, port: u.port, path: u.pathname, method, headers }, (res) => {
    let data = '';
    res.setEncoding('utf8');
    res.on('data', (c) => (data += c));
    res.on('end', () => done(null, { status: res.statusCode, headers: res.headers, data }));
  });
  r.on('error', (e) => done(e));
  r.end(body);
  return { abort: () => r.destroy() };
}

/** wx, qq, swan, tt, jd, ks. */
exports.wxStyle = (loginName = 'login') => {
  const store = new Map();
  return {
    request: (o) =>
      exchange(o.url, o.method, o.header, o.data, (e, r) =>
        e ? o.fail({ errMsg: `request:fail ${e.message}` }) : o.success({ statusCode: r.status, header: r.headers, data: r.data }),
      ),
    getStorageSync: (k) => (store.has(k) ? store.get(k) : ''),
    setStorageSync: (k, v) => store.set(k, v),
    [loginName]: (o) => setTimeout(() => o.success({ code: 'code-1' }), 0),
    getSystemInfoSync: () => ({ appName: 'Douyin' }),
  };
};

/** Alipay's my. */
exports.alipay = () => {
  const store = new Map();
  return {
    request: (o) =>
      exchange(o.url, o.method, o.headers, o.data, (e, r) =>
        e ? o.fail({ error: 12, errorMessage: e.message }) : o.success({ status: r.status, headers: r.headers, data: r.data }),
      ),
    getStorageSync: ({ key }) => ({ data: store.has(key) ? store.get(key) : null }),
    setStorageSync: ({ key, data }) => store.set(key, data),
    getAuthCode: (o) => setTimeout(() => o.success({ authCode: 'auth-1' }), 0),
  };
};

/** A browser: Node's fetch and a localStorage. */
exports.browser = () => {
  const items = new Map();
  return { fetch, localStorage: { getItem: (k) => (items.has(k) ? items.get(k) : null), setItem: (k, v) => items.set(k, v) } };
};
