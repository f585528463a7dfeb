// An app using the installed package through require, as a mini-program's own npm build resolves it: every
// mini-program entry. wx and tt find no WXWebAssembly/TTWebAssembly here, so they run the JS build beside them.
const hosts = require('./hosts.cjs');

(async () => {
  const results = {};
  for (const name of ['wx', 'qq', 'my', 'swan', 'tt', 'jd', 'ks']) {
    for (const path of [name, `${name}/js`]) {
      const { createBaaS } = require(`minicloud-wasm/${path}`);
      const BaaS = createBaaS(name === 'my' ? hosts.alipay() : hosts.wxStyle(name === 'swan' ? 'getLoginCode' : 'login'));
      await BaaS.init('consumer-app', { host: process.env.MINICLOUD_URL, autoLogin: true });
      results[path] = (await BaaS.invoke('echo', { text: `${path} 你好 🚀` })).data.text;
    }
  }
  console.log(JSON.stringify(results));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
