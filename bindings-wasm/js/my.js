// minicloud-wasm/my: BaaS for Alipay mini-programs, over the global `my` (also reachable as my.BaaS).

import { makeBaaS, loadWasm } from './baas.js';
import { alipayHost } from './hosts/my.js';

const hostApi = () => (typeof my !== 'undefined' ? my : undefined);

/** A BaaS object over an explicit `my`-compatible object (tests, cross-platform frameworks); without one it
 * uses the global `my`, looked up at init. */
export function createBaaS(api) {
  return makeBaaS({ platform: 'my', adapter: () => alipayHost(api || hostApi()), silentLoginAlias: 'loginWithAlipay' });
}

/** The BaaS object of this host, as the official SDK's `my.BaaS`. */
export const BaaS = createBaaS();
if (hostApi()) hostApi().BaaS = BaaS;

export { loadWasm };
export default BaaS;
