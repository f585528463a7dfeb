// The adapter of the wx-style hosts (wx, qq, swan, tt, jd, ks): X.request with `header`, answers with
// `statusCode`/`header`/`data`, X.setStorageSync(k, v) / X.getStorageSync(k), X.getNetworkType.

import { requestTask, callHost, isOffline, headerObject, needApi, later } from './common.js';

/** How each host hands out its one-time login code (PROTOCOL.md §1.6). */
const LOGIN_CODE = {
  wx: (api) => callHost(api, 'login', {}, (r) => r.code),
  qq: (api) => callHost(api, 'login', {}, (r) => r.code),
  swan: (api) => callHost(api, 'getLoginCode', {}, (r) => r.code),
  tt: (api) => callHost(api, 'login', { force: true }, (r) => r.code),
  jd: (api) => callHost(api, 'login', {}, (r) => r.code),
  ks: (api) => callHost(api, 'login', {}, (r) => r.code),
};

/** A `fail` callback that carries an HTTP answer: jd and ks deliver some HTTP errors there, with the status
 * in `statusCode`. Only a status the host reports as `statusCode` counts: numbers inside `errMsg` (a port in
 * `ECONNREFUSED 10.0.0.1:443`, an IP, a count) are never read as a status, and the official ks and jd SDKs
 * read `statusCode` only. */
function failAnswer(err) {
  const e = err || {};
  const status = e.statusCode;
  return Number.isInteger(status) && status >= 100 && status <= 599
    ? { status, headers: e.header || {}, body: e.data }
    : undefined;
}

/** A `fail` callback without an answer: a transport failure in the host's words (601, or 600 when the host
 * then reports no network); `timeout` when the host says it timed out. */
function failure(err) {
  const e = err || {};
  const message = String(e.errMsg || e.errorMessage || 'request failed');
  return { error: /time ?out/i.test(message) ? 'timeout' : 'connect', message };
}

/** The adapter for `api` (the host's global: wx, qq, swan, tt, jd or ks). */
export function miniProgramHost(api, platform) {
  needApi(api, platform);
  return {
    request(req) {
      return requestTask(req.timeoutMs, (finish) =>
        api.request({
          url: req.url,
          method: req.method,
          header: headerObject(req, 'content-type'),
          data: req.body,
          // The raw text, so the core sees the exact bytes (it parses the JSON itself).
          dataType: 'text',
          responseType: 'text',
          timeout: Math.ceil(req.timeoutMs),
          success: (res) => finish({ status: res.statusCode, headers: res.header || {}, body: res.data }),
          // ks may call `fail` without a status and then `success` with the answer for one request: the
          // answer wins (as in the official ks SDK, whose `fail` path first asks getNetworkType), so a
          // failure without a status settles on the next turn of the event loop, after any `success`.
          fail: (err) => {
            const answer = failAnswer(err);
            if (answer) finish(answer);
            else if (later(() => finish(failure(err)), 0) === null) finish(failure(err));
          },
        }),
      );
    },
    getItem: (key) => api.getStorageSync(key),
    setItem: (key, value) => api.setStorageSync(key, value),
    loginCode: () => LOGIN_CODE[platform](api),
    appName: () => (platform === 'tt' && typeof api.getSystemInfoSync === 'function' ? api.getSystemInfoSync().appName : undefined),
    isOffline: () => isOffline(api),
  };
}
