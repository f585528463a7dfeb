// Calls before BaaS.init, in a process where no core has been loaded yet (node --test runs each file in its own
// process, and the tests of this file run in order): every entry rejects with exactly the official
// `602: uninitialized` HError, the same fields the core gives once it is loaded.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HOSTS, entry, wxStyleHost } from './sim.mjs';

/** The fields of an HError, as a plain object. */
const fields = (e) => ({
  name: e.name,
  isError: e instanceof Error,
  code: e.code,
  message: e.message,
  kind: e.kind,
  status: e.status,
  requestId: e.requestId,
  retryable: e.retryable,
  details: e.details,
});

const OFFICIAL_602 = {
  name: 'HError',
  isError: true,
  code: 602,
  message: '602: uninitialized',
  kind: 'uninitialized',
  status: null,
  requestId: null,
  retryable: false,
  details: null,
};

const rejection = (p) => p.then((v) => assert.fail(`resolved ${JSON.stringify(v)}`), (e) => e);

for (const host of HOSTS) {
  test(`${host}: calls before init, with no core loaded, reject with exactly 602: uninitialized`, async () => {
    const { BaaS } = await entry(host);
    for (const call of [
      () => BaaS.invoke('f'),
      () => BaaS.invokeFunction('f'),
      () => BaaS.auth.login({ username: '用户', password: 'pw' }),
      () => BaaS.auth.silentLogin(),
    ]) {
      assert.deepEqual(fields(await rejection(call())), OFFICIAL_602);
    }
    assert.throws(() => BaaS.clearSession(), (e) => assert.deepEqual(fields(e), OFFICIAL_602) ?? true);
  });
}

// Last: loads the wasm, so the core can be asked.
test("the 602 made before the wasm loads is the core's own, field for field", async () => {
  const { createBaaS } = await entry('wx');
  const loaded = createBaaS(wxStyleHost('wx'));
  await loaded.init('a4d2d62965ddb57fa4d6', { host: 'http://127.0.0.1:9' });
  const fromCore = await rejection(createBaaS(wxStyleHost('wx')).invoke('f'));
  assert.deepEqual(fields(fromCore), OFFICIAL_602);
});
