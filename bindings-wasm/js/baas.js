// The BaaS object every entry exports: the official minapp-sdk surface over the wasm core.
//
// This file only routes calls: argument checks, HError codes and messages, sessions, auto-login and the 401
// resend all live in the Rust core (minicloud-core), reached through the wasm `Client`. What it owns is the
// life of the wasm instance: loading it once per JS realm, and replacing it when it traps.
//
// A trap (a Rust panic compiles to `unreachable`; also an out-of-memory or a stack overflow) leaves the
// instance unusable. When one happens, in a call made here or in a callback the core's futures run on (the
// glue reports those through `onTrap`), the instance is retired (its callbacks and objects go stale and never
// reach the wasm again), every call still running on it rejects at once with an HError saying so, and the next
// call loads a fresh instance from the same binary (`resetWasm`, wasm-bindgen's reset-state function, adopting
// it). Sessions live in the host's storage, so the next call carries on where the last one stopped.

import './runtime.js'; // must come before the glue: it installs TextEncoder/TextDecoder where missing
import {
  Client,
  uninitializedError,
  __wbg_get_imports as wasmImports,
  __wbg_finalize_init as finalizeWasm,
  __wbg_load as instantiateWasm,
  __wbg_reset_state as resetWasm,
  __wbg_on_trap as onTrap,
  __wbg_retire as retireWasm,
} from '../pkg/minicloud_wasm.js';

/** The wasm core of this JS realm, shared by every BaaS object of the entry. */
const core = {
  /** 'unloaded' | 'loading' | 'ready' | 'trapped' */
  state: 'unloaded',
  /** Counts instances: a client made on an earlier one is rebuilt before use. */
  generation: 0,
  /** A Promise while an instance is being loaded. */
  loading: null,
  /** What the first load was given, and the compiled module when known: how a replacement is made. */
  source: undefined,
  module: null,
};

/** Every call running on the current instance (its `reject`), so a trap can end them all. */
const running = new Set();

function isBytes(x) {
  return x instanceof ArrayBuffer || ArrayBuffer.isView(x);
}

/** Whether an error thrown out of the wasm means the instance is unusable: a trap (`RuntimeError`:
 * unreachable, out-of-bounds, ...) or a stack overflow (`RangeError`). */
function isTrap(e) {
  if (typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError) return true;
  return !!e && (e.name === 'RuntimeError' || e instanceof RangeError);
}

/** An HError as the core makes one (wasm.rs `herror_to_js`), for when there is no core to ask: before the
 * wasm is loaded, and after it trapped. test/uninitialized.test.mjs checks the 602 field for field against
 * the core's. */
function herror(code, message, kind, { retryable = false, details = null } = {}) {
  const e = new Error(message);
  e.name = 'HError';
  e.code = code;
  e.kind = kind;
  e.status = null;
  e.requestId = null;
  e.retryable = retryable;
  e.details = details;
  return e;
}

/** The official `602: uninitialized` of a call before `BaaS.init`: the core's when it is loaded, else the same
 * error made here. */
function uninitialized() {
  return core.state === 'ready' ? uninitializedError() : herror(602, '602: uninitialized', 'uninitialized');
}

/** `BaaS.init` without a wasm binary where the entry has no default: a wrong argument (605). */
function wasmMissing() {
  return herror(605, '605: BaaS.init needs the wasm core: pass it as {wasm} (bytes, a Module or a loader)', 'invalid_argument');
}

/** The error of a call the trapped instance was running: 601 (the outcome is unknown, as after a lost
 * connection; retryable), kind `internal`, the trap in `details`. */
function trapError(cause) {
  const what = String((cause && cause.message) || cause);
  return herror(601, `601: the minicloud wasm core stopped (${what}) and is restarted for the next call`, 'internal', {
    retryable: true,
    details: `${(cause && cause.name) || 'Error'}: ${what}`,
  });
}

/** The instance trapped: every call running on it rejects now; the next call loads a fresh one. */
function trapped(cause) {
  if (core.state === 'trapped') return;
  retireWasm();
  core.state = 'trapped';
  core.loading = null;
  const error = trapError(cause);
  const calls = [...running];
  running.clear();
  for (const reject of calls) reject(error);
}

// The glue shows this every error thrown out of the wasm in a callback (a future being polled, a host answer
// arriving); a trap ends the instance here, anything else goes on as before.
onTrap((e) => {
  if (!isTrap(e)) return false;
  trapped(e);
  return true;
});

/** Runs `fn` (a call into the wasm made here); a trap in it is reported and rethrown as its HError. */
function guarded(fn) {
  try {
    return fn();
  } catch (e) {
    if (!isTrap(e)) throw e;
    trapped(e);
    throw trapError(e);
  }
}

/** Instantiates `source` with fresh imports: `{instance, module}` (module `null` when a loader hides it).
 * Synchronous for bytes and a Module (init then throws a bad config synchronously, like the official SDK). */
function instantiate(source) {
  if (typeof WebAssembly !== 'undefined' && (isBytes(source) || source instanceof WebAssembly.Module)) {
    const module = source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source);
    return { instance: new WebAssembly.Instance(module, wasmImports()), module };
  }
  if (typeof source === 'function') {
    return Promise.resolve()
      .then(() => source(wasmImports()))
      .then((r) => ({ instance: r && r.instance ? r.instance : r, module: (r && r.module) || null }));
  }
  let input = source;
  if (typeof input === 'string' || (typeof URL === 'function' && input instanceof URL) || (typeof Request === 'function' && input instanceof Request)) {
    input = fetch(input);
  }
  return Promise.resolve(input).then((r) => instantiateWasm(r, wasmImports()));
}

/** A fresh instance to replace a trapped one, asynchronously: from the host's loader again, else from the
 * module compiled the first time. */
function reinstantiate() {
  if (typeof core.source === 'function') return instantiate(core.source);
  return WebAssembly.instantiate(core.module, wasmImports()).then((instance) => ({ instance, module: core.module }));
}

/** Makes `loaded` ({instance, module}) the core of this realm: the first one, or the replacement of a trapped
 * one. */
function adopt({ instance, module }) {
  if (core.generation === 0) finalizeWasm(instance, module);
  else resetWasm(instance);
  core.module = module || core.module;
  core.generation += 1;
  core.state = 'ready';
  core.loading = null;
}

/**
 * Instantiates the wasm core once per JS realm. `source` is one of:
 * - bytes (`ArrayBuffer`, `Uint8Array`) or a `WebAssembly.Module`: instantiated synchronously;
 * - a loader function `(imports) => Instance | {instance, module} | Promise of either`, e.g. WeChat's
 *   `(imports) => WXWebAssembly.instantiate('/minicloud/minicloud_wasm_bg.wasm', imports)`;
 * - a URL, string, `Response` or a Promise of bytes/Response (web): loaded with fetch.
 * Returns a Promise that settles when the core is ready. After a trap, the same source (or its compiled
 * module) makes the replacement.
 */
export function loadWasm(source) {
  if (core.state === 'ready') return Promise.resolve();
  if (core.loading) return core.loading;
  const first = core.generation === 0;
  if (first) core.source = source;
  core.state = 'loading';
  let loaded;
  try {
    loaded = guarded(() => (first ? instantiate(core.source) : reinstantiate()));
  } catch (e) {
    core.state = first ? 'unloaded' : 'trapped';
    if (first) core.source = undefined;
    throw e;
  }
  if (!(loaded instanceof Promise)) {
    guarded(() => adopt(loaded));
    return Promise.resolve();
  }
  core.loading = loaded.then(
    (l) => guarded(() => adopt(l)),
    (e) => {
      core.state = first ? 'unloaded' : 'trapped';
      core.loading = null;
      if (first) core.source = undefined;
      throw e;
    },
  );
  return core.loading;
}

/** Settles like `promise`, or rejects with the trap's HError if the instance traps first. */
function tracked(promise) {
  return new Promise((resolve, reject) => {
    running.add(reject);
    promise.then(
      (value) => {
        running.delete(reject);
        resolve(value);
      },
      (error) => {
        running.delete(reject);
        reject(error);
      },
    );
  });
}

/**
 * Makes a BaaS object for one host.
 * @param {object} spec
 * @param {string} spec.platform  the core's platform name (wx, qq, my, swan, tt, jd, ks, web)
 * @param {() => object} spec.adapter  returns the host adapter ({request, getItem, setItem, loginCode?,
 *   appName?, isOffline?}); called at init, so the host object is looked up then
 * @param {string} [spec.silentLoginAlias]  the official name of the host's silent login (loginWithWechat, ...)
 * @param {*} [spec.defaultWasm]  where to load the wasm from when init is not given one
 */
export function makeBaaS({ platform, adapter, silentLoginAlias, defaultWasm }) {
  /** The wasm Client, the instance generation it was made on, and how to make it again. */
  let client = null;
  let clientGeneration = 0;
  let build = null;
  let pending = null;

  function rejectUninitialized() {
    return Promise.reject(uninitialized());
  }

  /** The client on the current instance: rebuilt (same config and host adapter) after a replacement. */
  function current() {
    if (clientGeneration !== core.generation) {
      client = guarded(build);
      clientGeneration = core.generation;
    }
    return client;
  }

  function start(call) {
    try {
      const c = current();
      return tracked(guarded(() => call(c)));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  function run(call) {
    if (client && core.state === 'ready') return start(call);
    if (client) return loadWasm(core.source).then(() => start(call));
    if (pending) return pending.then(() => (client ? run(call) : rejectUninitialized()));
    return rejectUninitialized();
  }

  const silentLogin = (options) => run((c) => c.call(6, options));

  const BaaS = {
    /**
     * `BaaS.init(clientID, {host, env, autoLogin, wasm, syncTimeoutMs, asyncTimeoutMs, authTimeoutMs,
     * maxRequestBytes, maxResponseBytes})`. Returns a Promise that resolves when the client is ready; calls
     * made before then wait for it. When the wasm is already loaded (or given as bytes or a Module), a bad
     * config throws its HError synchronously, like the official SDK; otherwise the Promise (and the waiting
     * calls) reject with it.
     */
    init(clientID, options) {
      const opts = options && typeof options === 'object' ? options : {};
      const config = Object.assign({}, opts, { clientId: clientID, platform });
      delete config.wasm;
      client = null;
      pending = null;
      const host = adapter();
      const make = () => new Client(config, host);
      const ready = () => {
        client = guarded(make);
        clientGeneration = core.generation;
        build = make;
      };
      const source = opts.wasm !== undefined ? opts.wasm : defaultWasm;
      if (core.state !== 'ready' && !core.loading && core.source === undefined && source === undefined) throw wasmMissing();
      const loading = loadWasm(source);
      if (core.state === 'ready') {
        ready();
        return Promise.resolve();
      }
      const done = loading.then(ready);
      pending = done;
      done.catch(() => {});
      return done;
    },

    /** `invoke(name, params, sync, {timeoutMs, signal})`: resolves to the server's body unchanged. */
    invoke(name, params, sync, options) {
      return run((c) => c.call(0, name, params, sync, options));
    },

    /** The deprecated name of `invoke`. */
    invokeFunction(name, params, sync, options) {
      return run((c) => c.call(1, name, params, sync, options));
    },

    auth: {
      /** Password login with `{username | email | phone, password}`. */
      login: (credentials) => run((c) => c.call(2, credentials)),
      /** Registration with `{username | email | phone, password}`; signs the new user in. */
      register: (credentials) => run((c) => c.call(3, credentials)),
      /** SMS login: `(phone, code, {createUser = true})`. */
      loginWithSmsVerificationCode: (phone, code, options) => run((c) => c.call(4, phone, code, options)),
      /** An anonymous temporary user. */
      anonymousLogin: () => run((c) => c.call(5)),
      /** Destroys the session on the server, then forgets it. */
      logout: () => run((c) => c.call(7)),
      /** The host's silent login (`{createUser = true}`); HError 611 on the web. */
      silentLogin,
    },

    /** Forgets the session (the official storage keys). Throws HError 602 before init. */
    clearSession() {
      if (!client) throw uninitialized();
      if (core.state !== 'ready') {
        loadWasm(core.source).catch(() => {});
        throw herror(601, '601: the minicloud wasm core stopped and is restarting; call clearSession again', 'internal', {
          retryable: true,
        });
      }
      guarded(() => current().clearSession());
    },
  };
  if (silentLoginAlias) BaaS.auth[silentLoginAlias] = silentLogin;
  return BaaS;
}
