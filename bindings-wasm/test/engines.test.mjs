// Every vector on engines other than V8, through the shipped entries (test/replay.mjs: a scripted host answering
// from the vector, virtual time, a call that never settles reported as pending):
// - JavaScriptCore, the engine family of iOS hosts: Debian's `jsc` shell (libjavascriptcoregtk-4.0-bin), module
//   mode; wx/tt through their host loader and the package path, qq/my/swan/jd/ks on their JS build, the web
//   entry on the wasm bytes. The shell lacks clearTimeout, console, URL, TextDecoder and AbortController.
// - QuickJS (npm quickjs-emscripten), which has no WebAssembly at all: every host on its JS build (the /js
//   entries, and the qq/my/swan/jd/ks entries, which are the JS build).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getQuickJS } from 'quickjs-emscripten';
import { coreVersion } from './sim.mjs';

const PKG = fileURLToPath(new URL('..', import.meta.url));
const VECTOR_DIR = fileURLToPath(new URL('../../tests/vectors/', import.meta.url));
const VECTORS = readdirSync(VECTOR_DIR).filter((f) => f.endsWith('.json')).sort().map((f) => VECTOR_DIR + f);
const JSC = process.env.JSC_PATH || '/usr/bin/jsc';


/** Asserts every case passed, and that there were as many as the vectors make (on every host). */
function assertAllPassed(results) {
  const failed = results.filter((r) => r.problems.length);
  assert.deepEqual(failed, [], `${failed.length} of ${results.length} cases failed`);
  assert.ok(results.length > VECTORS.length * 6, `only ${results.length} cases ran`);
  assert.ok(results.some((r) => r.host === 'web') && results.some((r) => r.host === 'my'));
}

test('JavaScriptCore: every vector on every host entry', { timeout: 300000 }, async () => {
  assert.ok(existsSync(JSC), `${JSC} is missing (scripts/test-wasm.sh installs Debian's libjavascriptcoregtk-4.0-bin)`);
  const { stdout } = await promisify(execFile)(JSC, ['-m', 'test/engines/jsc.mjs', '--', coreVersion(), ...VECTORS], {
    cwd: PKG,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    timeout: 280000,
  });
  assertAllPassed(stdout.trim().split('\n').map((line) => JSON.parse(line)));
});

/** The runner evaluated inside QuickJS: each case on the JS build of its host. */
const QUICKJS_RUNNER = `
  import { cases, replay } from './test/replay.mjs';
  const entries = {};
  for (const h of ['wx', 'qq', 'my', 'swan', 'tt', 'jd', 'ks', 'web']) {
    entries[h] = await import('./dist/' + h + (['wx', 'tt', 'web'].includes(h) ? '-js' : '') + '.mjs');
  }
  for (const c of cases(JSON.parse(VECTORS))) {
    const problems = await replay(c, entries[c.host].createBaaS, VERSION);
    report(JSON.stringify({ name: c.v.name, host: c.host, problems }));
  }
  report('done');
`;

test('QuickJS (no WebAssembly): every vector on the JS build of every host', { timeout: 600000 }, async () => {
  const QuickJS = await getQuickJS();
  const runtime = QuickJS.newRuntime();
  runtime.setMaxStackSize(0);
  runtime.setModuleLoader(
    (name) => readFileSync(name, 'utf8'),
    (base, requested) => resolve(requested.startsWith('.') ? dirname(base) : PKG, requested),
  );
  // The context and runtime are left to the process, not freed: the replay leaves virtual timers (closures)
  // that never fire, which QuickJS asserts on in JS_FreeRuntime.
  const vm = runtime.newContext();
  const results = [];
  let done = false;
  const kind = vm.unwrapResult(vm.evalCode('typeof WebAssembly'));
  assert.equal(vm.getString(kind), 'undefined');
  kind.dispose();
  const report = vm.newFunction('report', (line) => {
    const text = vm.getString(line);
    if (text === 'done') done = true;
    else results.push(JSON.parse(text));
  });
  vm.setProp(vm.global, 'report', report);
  report.dispose();
  for (const [name, text] of [
    ['VECTORS', JSON.stringify(VECTORS.map((f) => JSON.parse(readFileSync(f, 'utf8'))))],
    ['VERSION', coreVersion()],
  ]) {
    const handle = vm.newString(text);
    vm.setProp(vm.global, name, handle);
    handle.dispose();
  }
  const evaluated = vm.evalCode(QUICKJS_RUNNER, resolve(PKG, 'quickjs-runner.mjs'), { type: 'module' });
  if (evaluated.error) throw new Error(JSON.stringify(vm.dump(evaluated.error)));
  evaluated.value.dispose();
  while (!done && runtime.hasPendingJob()) {
    const ran = runtime.executePendingJobs(10000);
    if (ran.error) {
      const error = vm.dump(ran.error);
      ran.error.dispose();
      throw new Error(`QuickJS: ${JSON.stringify(error)}`);
    }
  }
  assert.ok(done, `the runner stopped after ${results.length} cases with nothing left to run`);
  assertAllPassed(results);
});
