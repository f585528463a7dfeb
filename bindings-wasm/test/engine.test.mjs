// End to end against the real local engine (`minicloud serve`, real cloud functions in Node workers) over
// loopback, through every host entry on its simulated host: auto-login from an empty session, invoke, the
// 401 after the engine revokes every session, async invoke. Mini-program hosts auto-login silently with
// their login code; the web has no silent login and auto-logs in anonymously (the engine allows it).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { HOSTS, simulatedHost, baasFor } from './sim.mjs';
import { startEngine } from './engine.mjs';

let engine;
before(async () => {
  engine = await startEngine();
});
after(async () => {
  if (engine) await engine.stop();
});

let codes = 0;
/** A BaaS on `host` with an empty session, over the engine. */
async function fresh(host, autoLogin) {
  const sim = simulatedHost(host, { loginCode: `code-${host}-${++codes}`, appName: 'Toutiao' });
  const mode = autoLogin ? (host === 'web' ? 'anonymous' : true) : false;
  const BaaS = await baasFor(host, sim.api, engine.clientId, { host: engine.url, autoLogin: mode });
  return { BaaS, sim };
}

const logins = async () => (await engine.stats()).login_count;
const HELLO = { code: 0, data: 'hello allen', error: {} };

for (const host of HOSTS) {
  test(`${host}: auto-login from an empty session signs in once, then invokes`, async () => {
    const { BaaS, sim } = await fresh(host, true);
    assert.equal(sim.stored('ifx_baas_auth_token') || '', '');
    const before = await logins();
    assert.deepEqual(await BaaS.invoke('helloWorld', { name: 'allen' }), HELLO);
    assert.equal(await logins(), before + 1);
    assert.match(sim.stored('ifx_baas_auth_token'), /^[0-9a-f]{40}$/);
  });

  test(`${host}: after the engine revokes every session, the next call logs in again and succeeds`, async () => {
    const { BaaS, sim } = await fresh(host, true);
    await BaaS.invoke('helloWorld', { name: 'allen' });
    const oldToken = sim.stored('ifx_baas_auth_token');
    await engine.revoke();
    const before = await logins();
    assert.deepEqual(await BaaS.invoke('helloWorld', { name: 'allen' }), HELLO);
    assert.equal(await logins(), before + 1);
    assert.notEqual(sim.stored('ifx_baas_auth_token'), oldToken);
  });

  test(`${host}: without auto-login, a call with a revoked session is HError 401`, async () => {
    const { BaaS } = await fresh(host, false);
    await (host === 'web' ? BaaS.auth.anonymousLogin() : BaaS.auth.silentLogin());
    assert.deepEqual(await BaaS.invoke('helloWorld', { name: 'allen' }), HELLO);
    await engine.revoke();
    const e = await BaaS.invoke('helloWorld', { name: 'allen' }).then(
      () => assert.fail('resolved'),
      (e) => e,
    );
    assert.equal(e.code, 401);
    assert.equal(e.kind, 'unauthenticated');
  });

  test(`${host}: an async invoke answers status ok`, async () => {
    const { BaaS } = await fresh(host, true);
    const r = await BaaS.invoke('helloWorld', { name: 'allen' }, false);
    assert.equal(r.status ?? (r.data && r.data.status), 'ok');
  });
}

test('a session expired by the engine is renewed by auto-login on the next call', async () => {
  const { BaaS } = await fresh('wx', true);
  await BaaS.invoke('helloWorld', { name: 'allen' });
  await engine.expire();
  const before = await logins();
  assert.deepEqual(await BaaS.invoke('helloWorld', { name: 'allen' }), HELLO);
  assert.equal(await logins(), before + 1);
});

test('a function that throws resolves with code 1, like the official SDK', async () => {
  const { BaaS } = await fresh('my', true);
  const r = await BaaS.invoke('throws', {});
  assert.equal(r.code, 1);
  assert.equal(r.data, null);
  assert.equal(typeof r.error.message, 'string');
});
