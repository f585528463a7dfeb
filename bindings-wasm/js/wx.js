// minicloud-wasm/wx: BaaS for WeChat mini-programs, over the global `wx` (also reachable as wx.BaaS).

import { makeBaaS, loadWasm } from './baas.js';
import { miniProgramHost } from './hosts/miniprogram.js';

const hostApi = () => (typeof wx !== 'undefined' ? wx : undefined);

/** A BaaS object over an explicit `wx`-compatible object (tests, cross-platform frameworks); without one it
 * uses the global `wx`, looked up at init. */
export function createBaaS(api) {
  return makeBaaS({
    platform: 'wx',
    adapter: () => miniProgramHost(api || hostApi(), 'wx'),
    silentLoginAlias: 'loginWithWechat',
  });
}

/** The BaaS object of this host, as the official SDK's `wx.BaaS`. */
export const BaaS = createBaaS();
if (hostApi()) hostApi().BaaS = BaaS;

export { loadWasm };
export default BaaS;
