// Pieces every host adapter shares: a request task that settles exactly once, with its own time limit.

/** How long a host login API may take to call back before the adapter gives up. */
export const HOST_API_LIMIT_MS = 10000;
/** How long getNetworkType may take: it is asked after a failed request, and must not hold the call up. */
export const NETWORK_TYPE_LIMIT_MS = 1000;

/**
 * Runs one host request as the core's transport expects: returns `{promise, abort}`; the promise settles
 * exactly once (a host calling both `success` and `fail`, or calling back twice, cannot answer twice), and
 * resolves `{error: 'timeout'}` when `timeoutMs` passes (the host's task is aborted then).
 * `start(finish)` starts the host request and returns its task (with `abort()`, if the host has one).
 */
export function requestTask(timeoutMs, start) {
  let settled = false;
  let task = null;
  let timer = null;
  let resolve;
  const promise = new Promise((r) => {
    resolve = r;
  });
  const abortTask = () => {
    try {
      if (task && typeof task.abort === 'function') task.abort();
    } catch (_) {
      // the host's abort failing changes nothing: the call is over for the core
    }
  };
  const finish = (outcome) => {
    if (settled) return;
    settled = true;
    if (timer !== null) clearTimeout(timer);
    resolve(outcome);
  };
  timer = setTimeout(() => {
    finish({ error: 'timeout', message: `no answer within ${timeoutMs} ms` });
    abortTask();
  }, timeoutMs);
  try {
    task = start(finish);
  } catch (e) {
    finish({ error: 'connect', message: String((e && e.message) || e) });
  }
  return {
    promise,
    abort() {
      finish({ error: 'connect', message: 'cancelled' });
      abortTask();
    },
  };
}

/** Calls a callback-style host API (`api[name]({...args, success, fail})`) and resolves with what `pick`
 * takes from the success result, or rejects. It always settles: a host that never calls back is given up
 * after HOST_API_LIMIT_MS. */
export function callHost(api, name, args, pick, limitMs = HOST_API_LIMIT_MS) {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => end(reject, new Error(`${name} did not answer within ${limitMs} ms`)), limitMs);
    function end(fn, value) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      fn(value);
    }
    try {
      api[name](
        Object.assign({}, args, {
          success: (res) => {
            try {
              end(resolve, pick(res));
            } catch (e) {
              end(reject, e);
            }
          },
          fail: (err) => end(reject, new Error(`${name} failed: ${(err && (err.errMsg || err.errorMessage)) || JSON.stringify(err)}`)),
        }),
      );
    } catch (e) {
      end(reject, e);
    }
  });
}

/** Whether the host reports no network; always settles, `false` when the host cannot tell. */
export function isOffline(api) {
  if (!api || typeof api.getNetworkType !== 'function') return Promise.resolve(false);
  const offline = (r) => !!r && (r.networkType === 'none' || r.networkAvailable === false);
  return callHost(api, 'getNetworkType', {}, offline, NETWORK_TYPE_LIMIT_MS).catch(() => false);
}

/** The SDK headers, in the core's order, as the host's header object, plus the JSON content type. */
export function headerObject(req, contentTypeName) {
  const header = {};
  for (const [k, v] of req.headers) header[k] = v;
  if (req.body !== undefined) header[contentTypeName] = 'application/json';
  return header;
}

/** The host API object, or a clear error naming the entry when it is missing. */
export function needApi(api, name) {
  if (!api || typeof api !== 'object' && typeof api !== 'function') {
    throw new Error(`minicloud-wasm/${name}: no ${name} object: run inside the host, or pass it to createBaaS(${name})`);
  }
  return api;
}
