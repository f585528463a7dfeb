// The adapter of Alipay (my): my.request (my.httpRequest on old bases) with `headers`, answers with
// `status`/`headers`/`data`, a non-2xx in `fail` with `error: 19` and `status`; object-style storage
// my.setStorageSync({key, data}) / my.getStorageSync({key}).data; getAuthCode for silent login.

import { requestTask, callHost, isOffline, headerObject, needApi } from './common.js';

/** Alipay's request error codes: 13 is its timeout; 19 an HTTP error (carries `status`). */
const ALIPAY_TIMEOUT = 13;

function failOutcome(err) {
  const e = err || {};
  if (typeof e.status === 'number') return { status: e.status, headers: e.headers || {}, body: e.data };
  const message = `my.request failed: error ${e.error}: ${e.errorMessage || e.errMsg || ''}`;
  return { error: e.error === ALIPAY_TIMEOUT || /time ?out/i.test(message) ? 'timeout' : 'connect', message };
}

/** The adapter for Alipay's `my`. */
export function alipayHost(api) {
  needApi(api, 'my');
  const send = typeof api.request === 'function' ? api.request.bind(api) : api.httpRequest.bind(api);
  return {
    request(req) {
      return requestTask(req.timeoutMs, (finish) =>
        send({
          url: req.url,
          method: req.method,
          // Alipay needs the content type set explicitly, lowercase (PROTOCOL.md §1.2).
          headers: headerObject(req, 'content-type'),
          data: req.body,
          dataType: 'text',
          timeout: Math.ceil(req.timeoutMs),
          success: (res) => finish({ status: res.status, headers: res.headers || {}, body: res.data }),
          fail: (err) => finish(failOutcome(err)),
        }),
      );
    },
    getItem: (key) => {
      const r = api.getStorageSync({ key });
      return r ? r.data : undefined;
    },
    setItem: (key, value) => api.setStorageSync({ key, data: value }),
    loginCode: () => callHost(api, 'getAuthCode', { scopes: 'auth_base' }, (r) => r.authCode),
    isOffline: () => isOffline(api),
  };
}
