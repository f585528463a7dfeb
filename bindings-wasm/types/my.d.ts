// minicloud-wasm/my and minicloud-wasm/my/js.
import type { BaaS as BaaSObject } from './baas';
import type { AlipayHost } from './hosts';

export * from './baas';
export type { AlipayHost } from './hosts';

/** The BaaS object of this host (also set as my.BaaS, like the official SDK). */
export declare const BaaS: BaaSObject<'loginWithAlipay'>;
/** An independent BaaS object over an explicit host object (default: the global my). */
export declare function createBaaS(host?: AlipayHost): BaaSObject<'loginWithAlipay'>;
export default BaaS;
