// A trapped wasm instance never leaves calls pending: they reject with an HError saying what happened, and the
// next call runs on a fresh instance made from the same binary, with the session carried over (it lives in the
// host's storage). In its own file (its own process): the instance is shared by the whole entry.
//
// How the wasm is made to trap: the shipped binary is loaded through a loader function (as WXWebAssembly is)
// that hands the glue its exports wrapped. Once armed, a wrapper runs a tiny module's `unreachable`
// in place of one export call, so a real WebAssembly.RuntimeError ("unreachable", what a Rust panic compiles
// to) comes out of the wasm exactly where the core would trap: in the call a BaaS method makes (the one
// export taking six arguments, `Client.call`), or in the callback the core's future runs when the host's
// answer arrives (an export called with that answer object).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { WASM, wxStyleHost } from './sim.mjs';

const CLIENT_ID = 'a4d2d62965ddb57fa4d6';
const OK = JSON.stringify({ code: 0, data: '好的 ✅', error: {} });
const LIVE = { ifx_baas_auth_token: 'tok-live', ifx_baas_session_expires_at: 4102444800, ifx_baas_uid: 1 };

/** `(module (func (export "t") unreachable))` */
const TRAP = new WebAssembly.Instance(
  new WebAssembly.Module(
    new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 7, 5, 1, 1, 0x74, 0, 0, 0x0a, 5, 1, 3, 0, 0, 0x0b]),
  ),
).exports.t;

/** Which export call traps next: 'call' (Client.call), 'answer' (the host's answer reaching the core), or none. */
let armed = null;
let instances = 0;

/** A loader like WXWebAssembly.instantiate: the real binary, each of its exports behind the arming switch. */
async function loader(imports) {
  instances += 1;
  const { instance, module } = await WebAssembly.instantiate(WASM, imports);
  const exports = {};
  for (const [name, value] of Object.entries(instance.exports)) {
    exports[name] =
      typeof value !== 'function'
        ? value
        : (...args) => {
            const isCall = args.length === 6;
            const isAnswer = args.length === 3 && typeof args[2] === 'object' && args[2] !== null && 'status' in args[2];
            if ((armed === 'call' && isCall) || (armed === 'answer' && isAnswer)) {
              armed = null;
              return TRAP();
            }
            return value(...args);
          };
  }
  return { instance: { exports }, module };
}

/** A loopback server that holds every request until `release()`, then answers OK; records what it saw. */
async function holdingServer() {
  const seen = [];
  const held = [];
  const s = http.createServer((req, res) => {
    const entry = { path: req.url, authorization: req.headers.authorization };
    req.resume().on('end', () => {
      seen.push(entry);
      const answer = () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(OK);
      };
      if (s.holding) held.push(answer);
      else answer();
    });
  });
  s.holding = true;
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${s.address().port}`,
    seen,
    /** Answers the held requests (all, or the first `n`) and stops holding. */
    release(n = held.length) {
      s.holding = false;
      for (const answer of held.splice(0, n)) answer();
    },
    close() {
      s.closeAllConnections();
      return new Promise((r) => s.close(r));
    },
  };
}

const waitFor = async (cond, what) => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), `${what} never happened`);
};

/** Errors that escaped to the process (a trap must never end up here). */
const escaped = [];
process.on('uncaughtException', (e) => escaped.push(e));
process.on('unhandledRejection', (e) => escaped.push(e));

const { createBaaS } = await import('../dist/wx.js');

/** The fields a caller sees on the trap's HError. */
function assertTrapError(e) {
  assert.equal(e.name, 'HError', String(e));
  assert.equal(e.code, 601);
  assert.equal(e.kind, 'internal');
  assert.equal(e.retryable, true);
  assert.equal(e.status, null);
  assert.match(e.message, /^601: the minicloud wasm core stopped \(unreachable\)/);
  assert.equal(e.details, 'RuntimeError: unreachable');
}

test('a trap while host answers arrive rejects every running call, and later calls run on a fresh instance', { timeout: 20000 }, async () => {
  const srv = await holdingServer();
  try {
    const api = wxStyleHost('wx', { storage: LIVE });
    const BaaS = createBaaS(api);
    await BaaS.init(CLIENT_ID, { wasm: loader, host: srv.url });
    const other = createBaaS(wxStyleHost('wx', { storage: LIVE }));
    await other.init(CLIENT_ID, { host: srv.url });
    const calls = [BaaS.invoke('f', { 名: 1 }), BaaS.invoke('g'), other.invoke('h')].map((p) => p.then(() => null, (e) => e));
    await waitFor(() => srv.seen.length === 3, 'three requests reaching the server');
    armed = 'answer';
    srv.release(1); // the first answer reaches the core: the trap
    for (const e of await Promise.all(calls)) assertTrapError(e);
    assert.equal(instances, 1);

    // The next calls, on both BaaS objects, run on a new instance with the stored session.
    assert.deepEqual(await BaaS.invoke('after'), JSON.parse(OK));
    assert.deepEqual(await other.invoke('after'), JSON.parse(OK));
    assert.equal(instances, 2);
    assert.equal(srv.seen.at(-1).authorization, 'Hydrogen-r1 tok-live');

    // The trapped instance's held requests now get their answers: its callbacks are stale and do nothing.
    srv.release();
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await BaaS.invoke('still'), JSON.parse(OK));
    assert.deepEqual(escaped, []);
  } finally {
    await srv.close();
  }
});

test('a trap inside a call being made rejects it and every running call, and the next call works', { timeout: 20000 }, async () => {
  const srv = await holdingServer();
  try {
    const BaaS = createBaaS(wxStyleHost('wx', { storage: LIVE }));
    await BaaS.init(CLIENT_ID, { host: srv.url });
    const before = instances;
    const running = [BaaS.invoke('a'), BaaS.invoke('b')].map((p) => p.then(() => null, (e) => e));
    await waitFor(() => srv.seen.filter((r) => r.path.includes('cloud-function')).length >= 2, 'two requests held');
    armed = 'call';
    assertTrapError(await BaaS.invoke('c').then(() => null, (e) => e));
    for (const e of await Promise.all(running)) assertTrapError(e);
    srv.release();
    assert.deepEqual(await BaaS.invoke('d'), JSON.parse(OK));
    assert.equal(instances, before + 1);
    assert.deepEqual(escaped, []);
  } finally {
    await srv.close();
  }
});

test('clearSession right after a trap says the core is restarting, and works once it has', { timeout: 20000 }, async () => {
  const srv = await holdingServer();
  srv.release();
  try {
    const api = wxStyleHost('wx', { storage: LIVE });
    const BaaS = createBaaS(api);
    await BaaS.init(CLIENT_ID, { host: srv.url });
    armed = 'call';
    assertTrapError(await BaaS.invoke('x').then(() => null, (e) => e));
    assert.throws(() => BaaS.clearSession(), (e) => e.name === 'HError' && e.code === 601 && e.kind === 'internal');
    await BaaS.invoke('y'); // the fresh instance is in place
    BaaS.clearSession();
    assert.equal(api.storage.get('ifx_baas_auth_token'), '');
    assert.deepEqual(escaped, []);
  } finally {
    await srv.close();
  }
});
