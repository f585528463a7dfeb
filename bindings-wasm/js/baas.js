// The BaaS object every entry exports: the official minapp-sdk surface over the wasm core.
//
// This file only routes calls: argument checks, HError codes and messages, sessions, auto-login and the 401
// resend all live in the Rust core (minicloud-core), reached through the wasm `Client`.

import './runtime.js'; // must come before the glue: it installs TextEncoder/TextDecoder where missing
import initWasm, {
  initSync,
  Client,
  uninitializedError,
  __wbg_get_imports as wasmImports,
  __wbg_finalize_init as finalizeWasm,
} from '../pkg/minicloud_wasm.js';

let wasmLoaded = false;
let wasmLoading = null;

function isBytes(x) {
  return x instanceof ArrayBuffer || ArrayBuffer.isView(x);
}

/**
 * Instantiates the wasm core once per JS realm. `source` is one of:
 * - bytes (`ArrayBuffer`, `Uint8Array`) or a `WebAssembly.Module`: instantiated synchronously;
 * - a loader function `(imports) => Instance | {instance, module} | Promise of either`, e.g. WeChat's
 *   `(imports) => WXWebAssembly.instantiate('/minicloud/minicloud_wasm_bg.wasm', imports)`;
 * - a URL, string, `Response` or a Promise of bytes/Response (web): loaded with fetch.
 * Returns a Promise that settles when the core is ready.
 */
export function loadWasm(source) {
  if (wasmLoaded) return Promise.resolve();
  if (wasmLoading) return wasmLoading;
  if (typeof WebAssembly !== 'undefined' && (isBytes(source) || source instanceof WebAssembly.Module)) {
    initSync({ module: source });
    wasmLoaded = true;
    return Promise.resolve();
  }
  let loading;
  if (typeof source === 'function') {
    loading = Promise.resolve()
      .then(() => source(wasmImports()))
      .then((r) => {
        const instance = r && r.instance ? r.instance : r;
        finalizeWasm(instance, r && r.module);
      });
  } else {
    loading = initWasm({ module_or_path: source });
  }
  wasmLoading = loading.then(
    () => {
      wasmLoaded = true;
    },
    (e) => {
      wasmLoading = null;
      throw e;
    },
  );
  return wasmLoading;
}

function notLoaded() {
  // Without the wasm there is no core to word the HError; this only happens when BaaS.init was never given
  // the binary, a packaging mistake rather than a protocol case.
  const e = new Error('minicloud-wasm: call BaaS.init(clientID, {wasm}) first: the wasm core is not loaded');
  e.name = 'HError';
  e.code = 602;
  e.kind = 'uninitialized';
  return e;
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
  let client = null;
  let pending = null;

  function rejectUninitialized() {
    return Promise.reject(wasmLoaded ? uninitializedError() : notLoaded());
  }

  function run(call) {
    if (client) return call(client);
    if (pending) return pending.then(() => (client ? call(client) : rejectUninitialized()));
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
      const build = () => {
        client = new Client(config, adapter());
      };
      const source = opts.wasm !== undefined ? opts.wasm : defaultWasm;
      if (!wasmLoaded && source === undefined) throw notLoaded();
      const loading = loadWasm(source);
      if (wasmLoaded) {
        build();
        return Promise.resolve();
      }
      const ready = loading.then(build);
      pending = ready;
      ready.catch(() => {});
      return ready;
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
      if (!client) throw wasmLoaded ? uninitializedError() : notLoaded();
      client.clearSession();
    },
  };
  if (silentLoginAlias) BaaS.auth[silentLoginAlias] = silentLogin;
  return BaaS;
}
