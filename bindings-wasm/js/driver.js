// The loop that drives each call through the core's protocol machine (ARCHITECTURE.md, "Driving it"): start
// the call, perform the action the machine names with the host adapter (send a request, ask for a login code,
// ask whether the host is offline), feed the outcome back, apply the storage writes, warnings and wake-ups
// it emits, until it is done. A timer ends the call at its deadline; an abort signal cancels it. The machine
// decides everything; this file only performs.
//
// Whatever a host API throws or fails to provide (no clearTimeout, no console, a request that throws, a
// login API that never answers), the call settles: every host call is guarded, and the deadline timer ends
// the call even when the host never calls back.

import { bits, utf8 } from './exchange.js';
import { later, cancelLater } from './hosts/common.js';

/** An HError as the core describes it: an `Error` named `HError` with the official `code` and `message`, plus
 * `kind`, `status`, `requestId`, `retryable` and `details`. */
export function herror(fields) {
  const e = new Error(fields.message);
  e.name = 'HError';
  for (const k of ['code', 'kind', 'status', 'requestId', 'retryable', 'details']) e[k] = fields[k];
  return e;
}

/** The signed-in user a login resolves to: `{userId, openid, unionid, isAnonymous, expiresAt, profile}`,
 * whose `toJSON()` is the user's attributes, as the official current-user object's. */
function currentUser(user) {
  Object.defineProperty(user, 'toJSON', { value: () => user.profile });
  Object.defineProperty(user, 'get', { value: (key) => (user.profile || {})[key] });
  return user;
}

const errorText = (e) => String((e && (e.errMsg || e.errorMessage || e.message)) || e);

/** The clocks the machine reads: a monotonic-enough millisecond count for deadlines, the wall clock in
 * seconds for session expiry (as the official SDK reads `Date.now()`). */
function now() {
  const mono = typeof performance === 'object' && performance && typeof performance.now === 'function' ? performance.now() : Date.now();
  return { mono: Math.floor(mono), unix: Math.floor(Date.now() / 1000) };
}

/** The bytes of an answer's body, whatever the host handed over. */
function bodyBytes(body) {
  if (body === undefined || body === null) return new Uint8Array(0);
  if (typeof body === 'string') return utf8(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  // A host that parsed the JSON answer despite `dataType: 'text'`: its JSON again.
  return utf8(JSON.stringify(body));
}

/** Response headers, from the host's object or list of pairs, as `[[name, value]...]` of strings. */
function headerPairs(headers) {
  const pairs = [];
  if (Array.isArray(headers)) for (const [k, v] of headers) pairs.push([String(k), String(v)]);
  else if (headers && typeof headers === 'object') for (const k of Object.keys(headers)) pairs.push([k, String(headers[k])]);
  return pairs;
}

/**
 * Drives calls for one client on one core. `session` is `{exec(cmd, body), handle, keys, adapter, calls}`:
 * `exec` runs a command on the core (it throws the trap's HError if the core traps), `calls` maps a call id to
 * its wake-up. Returns a Promise of the call's value, rejected with an HError.
 */
export function drive(session, fields, signal) {
  const { adapter } = session;
  return new Promise((resolve, reject) => {
    let id = 0;
    let timer = null;
    let task = null;
    let over = false;
    const onAbort = () => step({ op: 'cancel' });

    function finish(ok, value) {
      if (over) return;
      over = true;
      cancelLater(timer);
      session.calls.delete(id);
      session.running.delete(fail);
      if (task) abortTask();
      if (signal && typeof signal.removeEventListener === 'function') {
        try {
          signal.removeEventListener('abort', onAbort);
        } catch (_) {
          // nothing to detach
        }
      }
      (ok ? resolve : reject)(value);
    }
    const fail = (error) => finish(false, error);

    function abortTask() {
      const t = task;
      task = null;
      try {
        if (t && typeof t.abort === 'function') t.abort();
      } catch (_) {
        // the call is over for the machine either way
      }
    }

    /** Runs a command for this call and acts on its reply. */
    function step(cmd, body) {
      if (over) return;
      cmd.m = session.handle;
      cmd.id = id;
      cmd.now = now();
      let reply;
      try {
        reply = session.exec(cmd, body);
      } catch (e) {
        return fail(e);
      }
      if (cmd.op === 'cancel') abortTask();
      if (reply.err) return fail(herror(reply.err));
      apply(reply);
    }

    /** Applies the outputs in order (storage writes, warnings), acts on this call's action, then wakes the
     * calls the machine released. */
    function apply(reply) {
      const wakes = [];
      for (const out of reply.o || []) {
        try {
          if (out[0] === 's') adapter.setItem(out[1], out[2]);
          else if (out[0] === 'w' && typeof console === 'object' && console && typeof console.warn === 'function') console.warn(out[1]);
          else if (out[0] === 'k') wakes.push(out[1]);
        } catch (_) {
          // a failed storage write costs a login later, nothing more
        }
      }
      act(reply.a);
      for (const w of wakes) {
        const wake = session.calls.get(w);
        if (wake) wake();
      }
    }

    function act(action) {
      if (!action || over) return;
      if (action.done) {
        const d = action.done;
        if (d.err) return fail(herror(d.err));
        return finish(true, 'body' in d ? d.body : d.user ? currentUser(d.user) : undefined);
      }
      if (action.send) return send(action.send);
      if (action.code) return loginCode();
      if (action.offline) return offline();
      if (action.sleep !== undefined) return void later(() => step({ op: 'next' }), Math.max(0, action.sleep - now().mono));
      // wait: woken by another call's output, or ended by the deadline
    }

    function send(request) {
      let started;
      try {
        started = adapter.request(request);
      } catch (e) {
        return step({ op: 'fail', kind: 'connect', message: errorText(e) });
      }
      task = started;
      Promise.resolve(started && started.promise).then(
        (outcome) => {
          if (task !== started) return;
          task = null;
          if (!outcome || outcome.error) {
            return step({ op: 'fail', kind: (outcome && outcome.error) || 'connect', message: outcome ? String(outcome.message || outcome.error) : 'no answer' });
          }
          step({ op: 'response', status: outcome.status, headers: headerPairs(outcome.headers) }, bodyBytes(outcome.body));
        },
        (e) => {
          if (task !== started) return;
          task = null;
          step({ op: 'fail', kind: 'connect', message: errorText(e) });
        },
      );
    }

    function loginCode() {
      if (typeof adapter.loginCode !== 'function') return step({ op: 'code', unavailable: true });
      Promise.resolve()
        .then(() => adapter.loginCode())
        .then(
          (code) => {
            let appName;
            try {
              appName = typeof adapter.appName === 'function' ? adapter.appName() : undefined;
            } catch (_) {
              appName = undefined;
            }
            step({ op: 'code', code: typeof code === 'string' ? code : '', appName: typeof appName === 'string' ? appName : undefined });
          },
          (e) => step({ op: 'code', failed: errorText(e) }),
        );
    }

    function offline() {
      Promise.resolve()
        .then(() => (typeof adapter.isOffline === 'function' ? adapter.isOffline() : false))
        .then(
          (off) => step({ op: 'offline', offline: off === true }),
          () => step({ op: 'offline', offline: false }),
        );
    }

    // Start: the stored session as the host's storage holds it now, then the first action.
    const stored = {};
    for (const key of session.keys) {
      try {
        const value = adapter.getItem(key);
        if (value !== undefined && JSON.stringify(value) !== undefined) stored[key] = value;
      } catch (_) {
        // unreadable: counts as absent
      }
    }
    let reply;
    try {
      reply = session.exec(Object.assign({ op: 'start', m: session.handle, now: now(), stored }, fields));
    } catch (e) {
      return fail(e);
    }
    if (reply.err) return fail(herror(reply.err));
    id = reply.id;
    if (!id) return apply(reply);
    session.calls.set(id, () => step({ op: 'next' }));
    session.running.add(fail);
    timer = later(() => step({ op: 'deadline' }), Math.max(0, reply.deadline - now().mono));
    if (signal) {
      if (signal.aborted) {
        apply({ a: null, o: reply.o });
        return step({ op: 'cancel' });
      }
      try {
        signal.addEventListener('abort', onAbort);
      } catch (_) {
        // checked before the call started
      }
    }
    apply(reply);
  });
}

/** The command fields of `invoke(name, params, sync, {timeoutMs})`: each argument as given (an absent one
 * stays absent), the time limit as bits. Throws a description when an argument cannot be JSON. */
export function invokeFields(call, name, params, sync, options) {
  const fields = { call };
  for (const [key, value] of [['name', name], ['params', params], ['sync', sync]]) {
    if (value === undefined) continue;
    try {
      JSON.stringify(value);
    } catch (e) {
      throw `${key === 'name' ? 'function name' : key} cannot be encoded as JSON: ${errorText(e)}`;
    }
    fields[key] = value;
  }
  const timeoutMs = options && options.timeoutMs;
  if (timeoutMs !== undefined && timeoutMs !== null) fields.timeoutMs = bits(timeoutMs);
  return fields;
}
