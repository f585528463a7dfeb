// What one large answer costs through the wasm core's exchange: a 1 MB JSON body handed to `mc_run` as the
// answer to an invoke, and the reply carrying it back (bindings-wasm/src/lib.rs, js/exchange.js). Prints the
// median and minimum of 30 rounds per module given, so builds can be compared in one run.
// Usage (after bindings-wasm/build.sh): node benches/wasm-body.mjs bindings-wasm/dist/minicloud.wasm [other.wasm...]
import { readFileSync } from 'node:fs';
import { run } from '../bindings-wasm/js/exchange.js';

const body = new TextEncoder().encode(JSON.stringify({ data: '云'.repeat(1 << 18) + 'x'.repeat(1 << 19) }));
const now = { mono: 1, unix: 1700000000 };
for (const file of process.argv.slice(2)) {
  const core = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), {}).exports;
  const m = run(core, JSON.stringify({ op: 'new', platform: 'web', clientId: 'abc', options: {}, numbers: {} })).ok;
  const times = [];
  for (let i = 0; i < 30; i++) {
    const started = run(core, JSON.stringify({ op: 'start', m, call: 'invoke', name: 'hello', params: {}, stored: {}, now }));
    const t = performance.now();
    const reply = run(core, JSON.stringify({ op: 'response', m, id: started.id, status: 200, headers: [], now }), body);
    times.push(performance.now() - t);
    if (!reply.a.done || reply.a.done.body === undefined) throw new Error(`no body: ${JSON.stringify(reply).slice(0, 200)}`);
  }
  times.sort((a, b) => a - b);
  console.log(`${file}: ${body.length} B answer, median ${times[15].toFixed(2)} ms, min ${times[0].toFixed(2)} ms`);
}
