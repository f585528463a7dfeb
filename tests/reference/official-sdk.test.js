'use strict';
// Replays every tests/vectors/*.json case through the official minapp-sdk 3.23.6: wx cases through its wx
// build on a simulated wx host, web cases through its web build on a simulated browser, both talking real
// HTTP to a loopback server. See README.md.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const util = require('node:util');
const { runCase, substVersion } = require('./host');

const VECTORS_DIR = process.env.VECTORS_DIR || path.resolve(__dirname, '..', 'vectors');
const REPORT = process.env.REFERENCE_REPORT; // optional: write a JSON report of every case here

function loadVectors() {
  if (!fs.existsSync(VECTORS_DIR)) return [];
  return fs
    .readdirSync(VECTORS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const file = path.join(VECTORS_DIR, f);
      return { file: f, vec: JSON.parse(fs.readFileSync(file, 'utf8')) };
    });
}

const show = (v) => util.inspect(v, { depth: 8, breakLength: Infinity });

function deepEq(a, b) {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch (_) {
    return false;
  }
}

function describeOutcome(o) {
  if (o.status === 'fulfilled') return `resolved ${show(o.value)}`;
  if (o.status === 'pending') return 'still pending (never settled)';
  const e = o.error;
  const kind = e && e.constructor ? e.constructor.name : typeof e;
  return `${o.sync ? 'threw synchronously' : 'rejected'} ${kind} code=${show(e && e.code)} message=${show(e && e.message)}`;
}

// Compare what happened with the vector. Returns a list of human-readable disagreements.
function judge(vec, run) {
  const problems = [];
  const calls = vec.calls || [];
  // requests
  for (const r of run.requests) {
    if (r.unexpected) {
      problems.push(`extra request not in exchanges: ${r.method} ${r.path} headers=${show(r.headers)} body=${show(r.body)}`);
      continue;
    }
    const x = run.exchanges[r.exchange];
    const e = x.request || {};
    const where = `exchange #${r.exchange}`;
    if (r.method !== e.method) problems.push(`${where}: method ${show(r.method)}, vector ${show(e.method)}`);
    if (r.path !== e.path) problems.push(`${where}: path ${show(r.path)}, vector ${show(e.path)}`);
    const eh = substVersion(e.headers || []);
    if (!deepEq(r.headers, eh)) problems.push(`${where}: headers ${show(r.headers)}, vector ${show(eh)}`);
    const eb = e.body === undefined ? null : e.body;
    if (r.body !== eb) problems.push(`${where}: body ${show(r.body)}, vector ${show(eb)}`);
  }
  if (!vec.concurrent) {
    const order = run.requests.filter((r) => !r.unexpected).map((r) => r.exchange);
    for (let i = 1; i < order.length; i++) if (order[i] < order[i - 1]) problems.push(`exchanges used out of order: ${order}`);
  }
  for (const x of run.exchanges) {
    if (!x.used) problems.push(`missing request: exchange #${x.index} (${x.request && x.request.method} ${x.request && x.request.path}) was never sent`);
  }
  // outcomes
  calls.forEach((c, i) => {
    const o = run.outcomes[i];
    const ex = c.expect || {};
    const label = `call #${i} ${c.op}(${(c.args || []).map((a) => show(a)).join(', ')})`;
    if (!o) {
      problems.push(`${label}: no outcome`);
      return;
    }
    if ('result' in ex) {
      if (o.status !== 'fulfilled') problems.push(`${label}: vector resolves ${show(ex.result)}; official ${describeOutcome(o)}`);
      else if (!deepEq(o.value, ex.result)) problems.push(`${label}: vector resolves ${show(ex.result)}; official resolved ${show(o.value)}`);
    } else if ('error' in ex) {
      const e = o.error;
      if (o.status !== 'rejected') problems.push(`${label}: vector rejects code=${ex.error.code} message=${show(ex.error.message)}; official ${describeOutcome(o)}`);
      else if (!e || e.code !== ex.error.code || e.message !== ex.error.message)
        problems.push(`${label}: vector rejects code=${ex.error.code} message=${show(ex.error.message)}; official ${describeOutcome(o)}`);
    } else if ('ok' in ex) {
      if (o.status !== 'fulfilled') problems.push(`${label}: vector resolves; official ${describeOutcome(o)}`);
    } else {
      problems.push(`${label}: vector has no expect`);
    }
  });
  // storage
  for (const [k, want] of Object.entries(vec.storageAfter || {})) {
    const has = run.storage.has(k);
    const got = run.storage.get(k);
    if (want === null) {
      if (has && got !== '') problems.push(`storage ${k}: vector absent/empty; official holds ${show(got)}`);
    } else if (!has) {
      problems.push(`storage ${k}: vector ${show(want)}; official: absent`);
    } else if (!deepEq(got, want)) {
      problems.push(`storage ${k}: vector ${show(want)}; official holds ${show(got)}`);
    }
  }
  return problems;
}

function describeRun(run) {
  const lines = [];
  for (const r of run.requests)
    lines.push(`  sent ${r.method} ${r.path} headers=${show(r.headers)} body=${show(r.body)} -> ${r.unexpected ? 'UNEXPECTED' : 'exchange #' + r.exchange} ${show(r.outcome)}`);
  for (const r of run.sideRequests) lines.push(`  side ${r.method} ${r.path} body=${show(r.body)} (${r.side}, excluded)`);
  run.outcomes.forEach((o, i) => lines.push(`  call #${i}: ${describeOutcome(o)}`));
  lines.push(`  storage after: ${show(Object.fromEntries(run.storage))}`);
  return lines.join('\n');
}

const report = [];
const vectors = loadVectors();

test('vectors directory has cases', () => {
  assert.ok(vectors.length > 0, `no *.json in ${VECTORS_DIR}`);
});

for (const { file, vec } of vectors) {
  const name = vec.name || file.replace(/\.json$/, '');
  const platform = (vec.config && vec.config.platform) || 'wx';
  if (platform !== 'wx' && platform !== 'web') {
    const reason = `platform ${platform}: the npm package minapp-sdk 3.23.6 ships only the wx (lib/index.js) and web (lib/web.js) builds`;
    test(name, { skip: reason }, () => {});
    report.push({ name, skipped: reason });
    continue;
  }
  const differs = vec.official && vec.official.differs;
  test(name, async (t) => {
    const run = await runCase(vec);
    const problems = judge(vec, run);
    const entry = { name, differs: differs || null, problems, detail: describeRun(run) };
    report.push(entry);
    // wire self-check: every request that reached the server is exactly (method, path, body, SDK headers
    // in order) what the SDK asked wx.request to send
    for (const s of run.serverSeen) assert.ok(s.rec, `server saw a request no wx.request call produced: ${show(s)}`);
    if (differs) {
      t.diagnostic(`documented difference: ${differs}`);
      for (const p of problems) t.diagnostic(`official: ${p}`);
      assert.ok(
        problems.length > 0,
        `vector is marked official.differs (${differs}) but the official SDK satisfies it:\n${describeRun(run)}`,
      );
    } else {
      assert.ok(problems.length === 0, `official SDK disagrees with ${file}:\n- ${problems.join('\n- ')}\n${describeRun(run)}`);
    }
  });
}

if (REPORT) {
  test.after(() => fs.writeFileSync(REPORT, JSON.stringify(report, null, 2)));
}
