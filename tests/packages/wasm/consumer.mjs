// minicloud-wasm installed from its tarball, against the engine the installed CLI started (MINICLOUD_URL,
// MINICLOUD_CLIENT_ID, anonymous users allowed): the web entry on the wasm build and on the JS build signs in
// anonymously and invokes helloWorld. (bindings-wasm/test/package.test.mjs covers every entry and the types.)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const builds = {
  wasm: [await import('minicloud-wasm/web'), { wasm: readFileSync(require.resolve('minicloud-wasm/minicloud.wasm')) }],
  js: [await import('minicloud-wasm/web/js'), {}],
};
for (const [name, [entry, options]] of Object.entries(builds)) {
  const BaaS = entry.createBaaS({ localStorage: undefined });
  await BaaS.init(process.env.MINICLOUD_CLIENT_ID, { host: process.env.MINICLOUD_URL, autoLogin: 'anonymous', ...options });
  const { data } = await BaaS.invoke('helloWorld', { name: 'allen' });
  if (data !== 'hello allen') throw new Error(`${name} build: ${JSON.stringify(data)}`);
  console.log(`minicloud-wasm (${name} build): ${data}`);
}
