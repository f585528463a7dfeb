// An app using the installed package as ES modules: every entry, zero-config (wx/tt find their binary through
// the host loader at the package path, the JS-build entries need nothing, the web entry is handed the binary
// because Node's fetch reads no file: URL). Prints {entry: data} for an echo invoke with auto-login.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { brotliDecompressSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const hosts = require('./hosts.cjs');
const br = readFileSync(require.resolve('minicloud-wasm/minicloud.wasm.br'));
const loader = {
  instantiate: (path, imports) =>
    path === '/miniprogram_npm/minicloud-wasm/minicloud.wasm.br'
      ? WebAssembly.instantiate(brotliDecompressSync(br), imports)
      : Promise.reject(new Error(`no file ${path}`)),
};
globalThis.WXWebAssembly = loader;
globalThis.TTWebAssembly = loader;

const host = (name) => (name === 'my' ? hosts.alipay() : name === 'web' ? hosts.browser() : hosts.wxStyle(name === 'swan' ? 'getLoginCode' : 'login'));
const results = {};
for (const name of ['wx', 'qq', 'my', 'swan', 'tt', 'jd', 'ks', 'web']) {
  for (const path of [name, `${name}/js`]) {
    const { createBaaS } = await import(`minicloud-wasm/${path}`);
    const BaaS = createBaaS(host(name));
    const options = { host: process.env.MINICLOUD_URL, autoLogin: name === 'web' ? 'anonymous' : true };
    if (path === 'web') options.wasm = readFileSync(require.resolve('minicloud-wasm/minicloud.wasm'));
    await BaaS.init('consumer-app', options);
    results[path] = (await BaaS.invoke('echo', { text: `${path} 你好 🚀` })).data.text;
  }
}
console.log(JSON.stringify(results));
