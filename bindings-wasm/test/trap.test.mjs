// A trapped wasm instance never leaves calls pending: they reject with an HError saying what happened, and the
// next call runs on a fresh instance made from the same binary, with the session carried over (it lives in the
// host's storage). In its own file (its own process): the instance is shared by the whole entry.
//
// How the core is made to trap: the shipped binary is loaded through a loader function (as WXWebAssembly is)
// that hands the entry its exports with `mc_run` wrapped. Once armed, the wrapper runs a tiny module's
// `unreachable` in place of one command, so a real WebAssembly.RuntimeError ("unreachable", what a Rust panic
// compiles to) comes out of the core exactly where the core would trap: in the command that starts a call
// ('start'), or in the one that hands the core a host's answer ('response'). The JS build traps by throwing
// wasm2js's `Error('abort')`; the last test makes it do that.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { WASM, wxStyleHost } from './sim.mjs';
import { instantiate as jsBuild } from '../pkg/core.mjs';

const CLIENT_ID = 'a4d2d62965ddb57fa4d6';
const OK = JSON.stringify({ code: 0, data: '好的 ✅', error: {} });
const LIVE = { ifx_baas_auth_token: 'tok-live', ifx_baas_session_expires_at: 4102444800, ifx_baas_uid: 1 };

/** `(module (func (export "t") unreachable))` */
const TRAP = new WebAssembly.Instance(
  new WebAssembly.Module(
    new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 7, 5, 1, 1, 0x74, 0, 0, 0x0a, 5, 1, 3, 0, 0, 0x0b]),
  ),
).exports.t;

/** Which command traps next: 'start' (a call being made), 'response' (a host answer reaching the core), or none. */
let armed = null;
let instances = 0;

/** The op of the command `mc_run` is given, read from the core's memory. */
function op(exports, ptr, len) {
  return JSON.parse(new TextDecoder().decode(new Uint8Array(exports.memory.buffer, ptr, len))).op;
}

/** Wraps a core's exports so that an armed command runs `trap` instead. */
function armable(exports, trap) {
  return {
    memory: exports.memory,
    mc_alloc: exports.mc_alloc,
    mc_run(ptr, len, body, bodyLen) {
      if (armed && op(exports, ptr, len) === armed) {
        armed = null;
        return trap();
      }
      return exports.mc_run(ptr, len, body, bodyLen);
    },
  };
}

/** A loader like WXWebAssembly.instantiate: the real binary, its mc_run behind the arming switch. */
async function loader(imports) {
  instances += 1;
  const { instance } = await WebAssembly.instantiate(WASM, imports);
  return { instance: { exports: armable(instance.exports, TRAP) } };
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

const { createBaaS } = await import('../dist/wx.mjs');

/** The fields a caller sees on the trap's HError. */
function assertTrapError(e, cause = 'unreachable', name = 'RuntimeError') {
  assert.equal(e.name, 'HError', String(e));
  assert.equal(e.code, 601);
  assert.equal(e.kind, 'internal');
  assert.equal(e.retryable, true);
  assert.equal(e.status, null);
  assert.match(e.message, new RegExp(`^601: the minicloud core stopped \\(${cause}\\)`));
  assert.equal(e.details, `${name}: ${cause}`);
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
    armed = 'response';
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
    armed = 'start';
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
    armed = 'start';
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

test('the JS build trapping (wasm2js throws Error("abort")) rejects its calls the same way, and the next call works', { timeout: 20000 }, async () => {
  const srv = await holdingServer();
  try {
    const { createBaaS: createJs } = await import('../dist/wx-js.mjs');
    let made = 0;
    const jsLoader = () => {
      made += 1;
      return { instance: { exports: armable(jsBuild(), () => { throw new Error('abort'); }) } };
    };
    const BaaS = createJs(wxStyleHost('wx', { storage: LIVE }));
    await BaaS.init(CLIENT_ID, { host: srv.url, wasm: jsLoader });
    const running = BaaS.invoke('a').then(() => null, (e) => e);
    await waitFor(() => srv.seen.length >= 1, 'a request held');
    armed = 'response';
    srv.release(1);
    assertTrapError(await running, 'abort', 'Error');
    assert.deepEqual(await BaaS.invoke('b'), JSON.parse(OK));
    assert.equal(made, 2);
    assert.deepEqual(escaped, []);
  } finally {
    await srv.close();
  }
});
