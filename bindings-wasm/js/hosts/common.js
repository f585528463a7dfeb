// Pieces every host adapter shares: a request task that settles exactly once, with its own time limit, and a
// callback-style host API call that always settles. Timers are guarded: hosts without clearTimeout (or whose
// timer functions throw) still get every call settled (issue 17's `callHost` bug: a throwing clearTimeout
// used to drop both outcomes).

/** setTimeout when the host has it (null otherwise: the driver's deadline still ends the call). */
export function later(fn, ms) {
  try {
    return typeof setTimeout === 'function' ? setTimeout(fn, ms) : null;
  } catch (_) {
    return null;
  }
}

/** clearTimeout when the host has it; never throws. */
export function cancelLater(timer) {
  try {
    if (timer !== null && timer !== undefined && typeof clearTimeout === 'function') clearTimeout(timer);
  } catch (_) {
    // the timer fires later and finds its work done
  }
}

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
    cancelLater(timer);
    resolve(outcome);
  };
  timer = later(() => {
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
    let timer = null;
    function end(fn, value) {
      if (done) return;
      done = true;
      cancelLater(timer);
      fn(value);
    }
    timer = later(() => end(reject, new Error(`${name} did not answer within ${limitMs} ms`)), limitMs);
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
          fail: (err) => end(reject, new Error(`${name} failed: ${describe(err)}`)),
        }),
      );
    } catch (e) {
      end(reject, e);
    }
  });
}

/** A host failure object in the host's words. */
function describe(err) {
  if (err && (err.errMsg || err.errorMessage)) return String(err.errMsg || err.errorMessage);
  try {
    return JSON.stringify(err);
  } catch (_) {
    return String(err);
  }
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
