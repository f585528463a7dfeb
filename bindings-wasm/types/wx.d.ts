// minicloud-wasm/wx and minicloud-wasm/wx/js.
import type { BaaS as BaaSObject } from './baas';
import type { WxStyleHost } from './hosts';

export * from './baas';
export type { WxStyleHost } from './hosts';

/** The BaaS object of this host (also set as wx.BaaS, like the official SDK). */
export declare const BaaS: BaaSObject<'loginWithWechat'>;
/** An independent BaaS object over an explicit host object (default: the global wx). */
export declare function createBaaS(host?: WxStyleHost): BaaSObject<'loginWithWechat'>;
export default BaaS;
