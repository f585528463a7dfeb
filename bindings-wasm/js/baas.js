// The BaaS object every entry exports: the official minapp-sdk surface over the core.
//
// This file only routes calls: argument checks, HError codes and messages, sessions, auto-login and the 401
// resend all live in the core's protocol machine, which js/driver.js drives. What it owns is the life of the
// core in this JS realm: which build to run (the entry says, by what the host can do), loading it once, and
// replacing it when it traps.
//
// A trap (an out-of-memory, or a panic, which the size build compiles to `unreachable`) leaves the instance
// unusable. Every call running on it rejects at once with an HError saying so, and the next call makes a fresh
// instance from the same source and rebuilds each BaaS object's client (the session lives in the host's
// storage, so nothing is lost).

import { bits, run } from './exchange.js';
import { drive, herror, invokeFields } from './driver.js';

/** The core of this JS realm, shared by every BaaS object of the entry. */
const core = {
  /** 'unloaded' | 'loading' | 'ready' | 'trapped' */
  state: 'unloaded',
  /** Counts instances: a client made on an earlier one is rebuilt before use. */
  generation: 0,
  /** A Promise while an instance is being made. */
  loading: null,
  /** Makes a fresh instance's exports (`{memory, mc_alloc, mc_run}`), synchronously or as a Promise. */
  make: null,
  exports: null,
  /** Which build runs: 'wasm' or 'js'. */
  build: null,
};

/** The fail function of every call running on the current instance, so a trap can end them all. */
const running = new Set();

/** Whether an error thrown out of the core means the instance is unusable: a trap (`RuntimeError`:
 * unreachable, out of bounds, ...), a stack overflow (`RangeError`), or the JS build's own traps. */
function isTrap(e) {
  if (typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError) return true;
  return !!e && (e.name === 'RuntimeError' || e instanceof RangeError || /^(unreachable|abort)/.test(e.message));
}

const fields = (code, message, kind, retryable = false, details = null) => ({
  code,
  message,
  kind,
  status: null,
  requestId: null,
  retryable,
  details,
});

/** The official `602: uninitialized` of a call before `BaaS.init`: the core's when it is loaded (its answer
 * for a client that does not exist), else the same error made here (test/uninitialized.test.mjs checks the two
 * field for field). */
function uninitialized() {
  if (core.state === 'ready') {
    try {
      return herror(exec({ op: 'next', m: -1 }).err);
    } catch (e) {
      return e;
    }
  }
  return herror(fields(602, '602: uninitialized', 'uninitialized'));
}

/** HError 611: the host cannot run the core the way it was asked to, or at all. */
function unsupported(what, causes) {
  return herror(fields(611, '611: unsupported function', 'unsupported', false, causes.length ? `${what} (${causes.join('; ')})` : what));
}

/** The error of a call the trapped instance was running: 601 (the outcome is unknown, as after a lost
 * connection; retryable), kind `internal`, the trap in `details`. */
function trapError(cause) {
  const what = String((cause && cause.message) || cause);
  return herror(
    fields(601, `601: the minicloud core stopped (${what}) and is restarted for the next call`, 'internal', true, `${(cause && cause.name) || 'Error'}: ${what}`),
  );
}

/** The instance trapped: every call running on it rejects now; the next call makes a fresh one. */
function trapped(cause) {
  if (core.state === 'trapped') return;
  core.state = 'trapped';
  core.exports = null;
  const error = trapError(cause);
  const calls = [...running];
  running.clear();
  for (const fail of calls) fail(error);
}

/** Runs a command on the current instance; a trap retires it and comes out as its HError. */
function exec(cmd, body) {
  let text;
  try {
    text = JSON.stringify(cmd);
  } catch (e) {
    // An argument JSON cannot hold (a BigInt, a cycle): HError 605 naming the call.
    return exec({ op: 'invalid', text: `${cmd.call || cmd.op} arguments cannot be encoded as JSON: ${(e && e.message) || e}` });
  }
  let reply;
  try {
    reply = run(core.exports, text, body);
  } catch (e) {
    if (!isTrap(e) && core.state === 'ready') throw e;
    trapped(e);
    throw trapError(e);
  }
  return reply;
}

/** Makes an instance with `make` and adopts it; a Promise when `make` is asynchronous. */
function instantiate() {
  const adopt = (exports) => {
    if (!exports || typeof exports.mc_run !== 'function') throw new Error('the loader gave no minicloud core exports');
    core.exports = exports;
    core.generation += 1;
    core.state = 'ready';
    core.loading = null;
  };
  core.state = 'loading';
  let made;
  try {
    made = core.make();
  } catch (e) {
    core.state = core.generation ? 'trapped' : 'unloaded';
    throw e;
  }
  if (!made || typeof made.then !== 'function') return adopt(made);
  core.loading = made.then(adopt, (e) => {
    core.state = core.generation ? 'trapped' : 'unloaded';
    core.loading = null;
    throw e;
  });
  return core.loading;
}

/** How to make instances from a `wasm` source: bytes or a `WebAssembly.Module` (synchronous), a loader
 * `(imports) => Instance | {instance} | Promise of either` (WeChat's `WXWebAssembly.instantiate(path,
 * imports)`), or a URL / `Response` / Promise of bytes (web, fetched once). */
export function wasmSource(source) {
  const W = typeof WebAssembly === 'object' ? WebAssembly : null;
  const fromModule = (module) => () => new W.Instance(module, {}).exports;
  if (typeof source === 'function') {
    return () => Promise.resolve(source({})).then((r) => (r && r.instance ? r.instance : r).exports);
  }
  if (!W) throw 'this host has no WebAssembly for the wasm option';
  if (source instanceof W.Module) return fromModule(source);
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return fromModule(new W.Module(source));
  let module = null;
  let fetched = null;
  return () => {
    if (module) return fromModule(module)();
    if (!fetched) {
      const input = typeof source === 'string' || (typeof URL === 'function' && source instanceof URL) ? fetch(source) : source;
      fetched = Promise.resolve(input)
        .then((r) => (r && typeof r.arrayBuffer === 'function' ? r.arrayBuffer() : r))
        .then((bytes) => W.compile(bytes))
        .then((m) => (module = m));
    }
    return fetched.then((m) => fromModule(m)());
  };
}

/**
 * Chooses the core once per realm: the app's `wasm` option when given, else the first of the entry's
 * candidates (`[build, makeFn]`, in the entry's order of preference) whose instance loads. Resolves when the
 * core is ready; rejects with HError 611 naming the host and what to ship when nothing can run it.
 */
function choose(platform, option, candidates, ship) {
  if (core.state === 'ready') return Promise.resolve();
  if (core.loading) return core.loading;
  if (core.make) return Promise.resolve(instantiate());
  const tried = option !== undefined ? [() => ['wasm', wasmSource(option)]] : candidates;
  const causes = [];
  const attempt = (i) => {
    if (i >= tried.length) {
      core.make = null;
      throw unsupported(`${platform}: no way to run the minicloud core here; ${ship}`, causes);
    }
    let chosen;
    try {
      chosen = tried[i]();
    } catch (e) {
      causes.push(String((e && e.message) || e));
      return attempt(i + 1);
    }
    if (!chosen) return attempt(i + 1);
    core.build = chosen[0];
    core.make = chosen[1];
    const next = (e) => {
      core.make = null;
      causes.push(String((e && e.message) || e));
      return attempt(i + 1);
    };
    let loaded;
    try {
      loaded = instantiate();
    } catch (e) {
      return next(e);
    }
    return loaded && typeof loaded.then === 'function' ? loaded.catch(next) : undefined;
  };
  try {
    return Promise.resolve(attempt(0));
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Reads `BaaS.init`'s options for the core: numbers as bits (limits are checked by the core's one rule),
 * everything else as JSON (a value JSON cannot hold as an empty object, so the core names its type). */
function initCommand(clientID, options, platform) {
  const cmd = { op: 'new', platform, clientId: typeof clientID === 'string' ? clientID : null, options: {}, numbers: {} };
  for (const key of Object.keys(options)) {
    const value = options[key];
    if (key === 'wasm' || value === undefined) continue;
    if (typeof value === 'number') cmd.numbers[key] = bits(value);
    else {
      try {
        cmd.options[key] = JSON.stringify(value) === undefined ? {} : value;
      } catch (_) {
        cmd.options[key] = {};
      }
    }
  }
  return cmd;
}

/**
 * Makes a BaaS object for one host.
 * @param {object} spec
 * @param {string} spec.platform  the core's platform name (wx, qq, my, swan, tt, jd, ks, web)
 * @param {() => object} spec.adapter  returns the host adapter ({request, getItem, setItem, loginCode?,
 *   appName?, isOffline?}); called at init, so the host object is looked up then
 * @param {string} [spec.silentLoginAlias]  the official name of the host's silent login (loginWithWechat, ...)
 * @param {Array<() => [string, Function] | null>} spec.candidates  the builds this entry can run, best first
 * @param {string} spec.ship  what to ship when none can run (for HError 611)
 */
export function makeBaaS({ platform, adapter, silentLoginAlias, candidates, ship }) {
  /** The client on the core: `{handle, keys, version, generation}`; `settings` remakes it after a trap. */
  let client = null;
  let settings = null;
  let pending = null;

  /** The client on the current instance: rebuilt (same config and host adapter) after a replacement. */
  function current() {
    if (client && client.generation === core.generation) return client;
    const reply = exec(settings.command);
    if (reply.err) throw herror(reply.err);
    client = {
      handle: reply.ok,
      keys: reply.keys,
      version: reply.version,
      generation: core.generation,
      adapter: settings.adapter,
      calls: new Map(),
      running,
      exec,
    };
    return client;
  }

  /** Runs a call once the core is ready (loading it again after a trap). */
  function run(fieldsOf, signal) {
    if (!settings) return pending ? pending.then(() => run(fieldsOf, signal)) : Promise.reject(uninitialized());
    if (core.state !== 'ready') return choose(platform, settings.option, candidates, ship).then(() => run(fieldsOf, signal));
    try {
      const c = current();
      if (signal !== undefined && signal !== null && typeof signal.addEventListener !== 'function') {
        throw herror(exec({ op: 'invalid', text: 'signal must be an AbortSignal' }).err);
      }
      let f;
      try {
        f = fieldsOf();
      } catch (text) {
        if (typeof text !== 'string') throw text;
        throw herror(exec({ op: 'invalid', text }).err);
      }
      return drive(c, f, signal === null ? undefined : signal);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** `loginWith<Host>(authData, options)` and `silentLogin(options)`: the host's silent login. */
  const silentLogin = (options) => run(() => ({ call: 'silent', options }));
  const loginWith = (authData, options) => run(() => ({ call: 'silent', authData, options }));

  const BaaS = {
    /**
     * `BaaS.init(clientID, {host, env, autoLogin, wasm, syncTimeoutMs, asyncTimeoutMs, authTimeoutMs,
     * maxRequestBytes, maxResponseBytes})`. Returns a Promise that resolves when the client is ready; calls
     * made before then wait for it. When the core is ready (or loads synchronously), a bad config throws its
     * HError synchronously, like the official SDK; otherwise the Promise (and the waiting calls) reject with it.
     */
    init(clientID, options) {
      const opts = options && typeof options === 'object' ? options : {};
      const next = { command: initCommand(clientID, opts, platform), adapter: adapter(), option: opts.wasm };
      client = null;
      settings = null;
      const ready = () => {
        settings = next;
        try {
          current();
        } catch (e) {
          settings = null;
          throw e;
        }
      };
      const loading = choose(platform, opts.wasm, candidates, ship);
      if (core.state === 'ready') {
        ready();
        pending = null;
        return Promise.resolve();
      }
      const done = loading.then(ready);
      pending = done;
      done.catch(() => {});
      return done;
    },

    /** `invoke(name, params, sync, {timeoutMs, signal})`: resolves to the server's body unchanged. */
    invoke(name, params, sync, options) {
      return run(() => invokeFields('invoke', name, params, sync, options), options && options.signal);
    },

    /** The deprecated name of `invoke`. */
    invokeFunction(name, params, sync, options) {
      return run(() => invokeFields('invokeFunction', name, params, sync, options), options && options.signal);
    },

    auth: {
      /** Password login with `{username | email | phone, password}`. */
      login: (credentials) => run(() => ({ call: 'login', credentials })),
      /** Registration with `{username | email | phone, password}`; signs the new user in. */
      register: (credentials) => run(() => ({ call: 'register', credentials })),
      /** SMS login: `(phone, code, {createUser = true})`. */
      loginWithSmsVerificationCode: (phone, code, options) => run(() => ({ call: 'sms', phone, code, options })),
      /** An anonymous temporary user. */
      anonymousLogin: () => run(() => ({ call: 'anonymous' })),
      /** Destroys the session on the server, then forgets it. */
      logout: () => run(() => ({ call: 'logout' })),
      /** The host's silent login (`{createUser = true}`); with a live session it sends nothing. HError 611 on
       * the web. */
      silentLogin,
      /** The current user, asked of the server (`GET /hserve/v2.5/user/info/{uid}/`); HError 604 without a
       * live session. */
      getCurrentUser: () => run(() => ({ call: 'user' })),
    },

    /** Forgets the session (the official storage keys). Throws HError 602 before init. */
    clearSession() {
      if (!settings) throw uninitialized();
      if (core.state !== 'ready') {
        choose(platform, settings.option, candidates, ship).catch(() => {});
        throw herror(fields(601, '601: the minicloud core stopped and is restarting; call clearSession again', 'internal', true));
      }
      const c = current();
      const reply = exec({ op: 'clear', m: c.handle });
      for (const out of reply.o || []) {
        try {
          if (out[0] === 's') c.adapter.setItem(out[1], out[2]);
        } catch (_) {
          // as in the driver: a failed write costs a login later
        }
      }
    },
  };
  if (silentLoginAlias) BaaS.auth[silentLoginAlias] = loginWith;
  return BaaS;
}

/** Which build this realm's core runs (`'wasm'`, `'js'`), or null before it is loaded. */
export function coreBuild() {
  return core.state === 'ready' ? core.build : null;
}
