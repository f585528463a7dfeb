// Replays every shared vector (tests/vectors/*.json) through the host entries on simulated hosts over real
// loopback HTTP. The server is the judge of the wire: each request must be the vector's next exchange
// (method, path, SDK headers in order and case with $VERSION = the core's client version, body bytes); it
// answers as the vector says, or fails the exchange (offline/refused/reset: the socket is destroyed, and
// for offline the host's getNetworkType says 'none'; timeout: no answer). Outcomes and storageAfter are
// checked after the calls.
//
// Each vector runs on the host its config.platform names; the wx vectors also run on every other host with
// that host's platform header and silent-login request substituted (web: only those without silent login);
// test/replay.mjs makes the cases, and replays the same ones on JavaScriptCore and QuickJS (engines.test.mjs).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { simulatedHost, baasFor, coreVersion } from './sim.mjs';
import { cases, runCall, outcomeProblems } from './replay.mjs';

const VECTOR_DIR = fileURLToPath(new URL('../../tests/vectors/', import.meta.url));
const TRANSPORT_HEADERS = new Set(['host', 'connection', 'content-length', 'content-type', 'transfer-encoding']);

const vectors = readdirSync(VECTOR_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(VECTOR_DIR + f, 'utf8')));
const all = cases(vectors);

test('the vectors are all there', () => {
  assert.ok(vectors.length >= 60, `found ${vectors.length} vectors`);
  assert.ok(all.length > vectors.length * 6, `only ${all.length} cases`);
});

/** The loopback server of one vector. */
function vectorServer(v, version) {
  const exchanges = v.exchanges.map((e) => ({ ...e, used: false }));
  const problems = [];
  const held = [];
  const expand = (headers) => headers.map(([k, val]) => [k, val === '$VERSION' ? version : val]);
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length ? Buffer.concat(chunks).toString('utf8') : null;
      const headers = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        if (!TRANSPORT_HEADERS.has(req.rawHeaders[i].toLowerCase())) headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
      }
      const seen = { method: req.method, path: req.url, headers, body };
      const matches = (e) =>
        !e.used &&
        e.request.method === seen.method &&
        e.request.path === seen.path &&
        JSON.stringify(expand(e.request.headers)) === JSON.stringify(seen.headers) &&
        (e.request.body === undefined ? null : e.request.body) === seen.body;
      const next = exchanges.find((e) => !e.used);
      const ex = v.concurrent ? exchanges.find(matches) : next && matches(next) ? next : undefined;
      if (!ex) {
        problems.push(`unexpected request ${JSON.stringify(seen)}\n  expected ${next ? JSON.stringify(next.request) : 'none'}`);
        res.writeHead(599);
        return res.end();
      }
      ex.used = true;
      if (req.method === 'POST' && ex.request.body !== null && ex.request.body !== undefined) {
        const ct = req.headers['content-type'] || '';
        if (!ct.startsWith('application/json')) problems.push(`POST body sent as ${ct}`);
      }
      if (ex.failure === 'timeout' || ex.failure === 'hang') {
        held.push(res);
        return;
      }
      if (ex.failure) {
        req.socket.destroy();
        return;
      }
      res.writeHead(ex.response.status, ex.response.headers || {});
      res.end(ex.response.body || '');
    });
  });
  return {
    problems,
    unused: () => exchanges.filter((e) => !e.used).map((e) => e.request),
    listen: () => new Promise((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${server.address().port}`))),
    close: () => {
      for (const res of held) res.socket && res.socket.destroy();
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}


for (const { host, v } of all) {
  test(`${v.name} on ${host}`, async () => {
    const realNow = Date.now;
    const sim = simulatedHost(host, { storage: v.storage, ...v.hostEnv });
    const failsByTimeout = v.exchanges.some((e) => e.failure === 'timeout');
    const options = { autoLogin: v.config.autoLogin, env: v.config.env };
    if (v.config.maxRequestBytes) options.maxRequestBytes = v.config.maxRequestBytes;
    if (v.config.maxResponseBytes) options.maxResponseBytes = v.config.maxResponseBytes;
    // A short limit where the vector needs the time limit to pass; the default elsewhere.
    if (failsByTimeout) options.syncTimeoutMs = 300;
    let server;
    try {
      // The vector's clock, for session expiry (the core reads Date.now through the wasm glue).
      Date.now = () => v.now * 1000;
      server = vectorServer(v, coreVersion());
      const BaaS = await baasFor(host, sim.api, v.config.clientId, { ...options, host: await server.listen() });
      const settle = (p) => p.then((value) => ({ ok: true, value }), (error) => ({ ok: false, error }));
      let outcomes;
      if (v.concurrent) {
        outcomes = await Promise.all(v.calls.map((c) => settle(runCall(BaaS, c))));
      } else {
        outcomes = [];
        for (const c of v.calls) outcomes.push(await settle(runCall(BaaS, c)));
      }
      assert.deepEqual(server.problems, [], 'every request is the expected one');
      assert.deepEqual(server.unused(), [], 'every expected request was sent');
      assert.deepEqual(v.calls.flatMap((c, i) => outcomeProblems(i, c.expect, outcomes[i])), []);
      for (const [key, want] of Object.entries(v.storageAfter || {})) {
        const got = sim.stored(key);
        if (want === null) assert.ok(got === undefined || got === null || got === '', `storage ${key}: ${JSON.stringify(got)}, expected empty`);
        else assert.deepEqual(got, want, `storage ${key}`);
      }
    } finally {
      Date.now = realNow;
      if (server) await server.close();
    }
  });
}
