// minicloud-wasm/web: BaaS for browsers and webviews, over fetch and localStorage (also set as the global
// `BaaS`, i.e. window.BaaS, unless one exists).

import { makeBaaS, loadWasm } from './baas.js';
import { webHost } from './hosts/web.js';

const browser = () => ({
  fetch: typeof fetch === 'function' ? fetch : undefined,
  localStorage: typeof localStorage !== 'undefined' ? localStorage : undefined,
  navigator: typeof navigator !== 'undefined' ? navigator : undefined,
});

/** A BaaS object over `env` = {fetch, localStorage, navigator} (the browser's own by default, looked up at
 * init). Without `wasm` in init's options, the binary is fetched from next to the glue. */
export function createBaaS(env) {
  return makeBaaS({
    platform: 'web',
    adapter: () => webHost(Object.assign(browser(), env)),
    defaultWasm: new URL('../pkg/minicloud_wasm_bg.wasm', import.meta.url),
  });
}

/** The BaaS object of the page. */
export const BaaS = createBaaS();
if (typeof globalThis !== 'undefined' && globalThis.BaaS === undefined) globalThis.BaaS = BaaS;

export { loadWasm };
export default BaaS;
