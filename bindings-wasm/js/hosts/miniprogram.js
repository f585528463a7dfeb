// The adapter of the wx-style hosts (wx, qq, swan, tt, jd, ks): X.request with `header`, answers with
// `statusCode`/`header`/`data`, X.setStorageSync(k, v) / X.getStorageSync(k), X.getNetworkType.

import { requestTask, callHost, isOffline, headerObject, needApi } from './common.js';

/** How each host hands out its one-time login code (PROTOCOL.md §1.6). */
const LOGIN_CODE = {
  wx: (api) => callHost(api, 'login', {}, (r) => r.code),
  qq: (api) => callHost(api, 'login', {}, (r) => r.code),
  swan: (api) => callHost(api, 'getLoginCode', {}, (r) => r.code),
  tt: (api) => callHost(api, 'login', { force: true }, (r) => r.code),
  jd: (api) => callHost(api, 'login', {}, (r) => r.code),
  ks: (api) => callHost(api, 'login', {}, (r) => r.code),
};

/** An HTTP status a host put into `errMsg` only (ks: `request:fail 401`); 4xx/5xx only. */
function statusInErrMsg(errMsg) {
  const m = /(?:^|[^\d-])([45]\d\d)(?!\d)/.exec(String(errMsg || ''));
  return m ? Number(m[1]) : undefined;
}

/** The outcome of a `fail` callback: jd and ks deliver some HTTP errors there, with `statusCode` or, on
 * ks, only inside `errMsg`; those are answers, not transport failures. */
function failOutcome(err, platform) {
  const e = err || {};
  if (typeof e.statusCode === 'number') return { status: e.statusCode, headers: e.header || {}, body: e.data };
  if (platform === 'jd' || platform === 'ks') {
    const status = statusInErrMsg(e.errMsg);
    if (status !== undefined) return { status, headers: e.header || {}, body: e.data };
  }
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
          fail: (err) => finish(failOutcome(err, platform)),
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
