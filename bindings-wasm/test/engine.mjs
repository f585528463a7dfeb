// Starts the local cloud engine (the `minicloud serve` CLI binary) for end-to-end tests, and talks to its
// test controls (/dev/v1/...) with the admin token.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FUNCTIONS = ROOT + 'engine/tests/functions';

/** The CLI binary: $MINICLOUD_BIN, else target/debug/minicloud (scripts/test-wasm.sh builds it). */
function binary() {
  const bin = process.env.MINICLOUD_BIN || `${process.env.CARGO_TARGET_DIR || ROOT + 'target'}/debug/minicloud`;
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run cargo build -p minicloud-cli (scripts/test-wasm.sh does)`);
  return bin;
}

/** Starts an engine on a free loopback port; resolves {url, clientId, adminToken, stats(), revoke(),
 * expire(), stop()} once it prints its URL. */
export async function startEngine({ clientId = 'wasm-e2e', allowAnonymous = true } = {}) {
  const adminToken = randomBytes(12).toString('hex');
  const args = ['serve', FUNCTIONS, '--port', '0', '--client-id', clientId, '--in-memory'];
  if (allowAnonymous) args.push('--allow-anonymous');
  // The admin token goes through the environment: the engine takes no secret on its command line.
  const env = { ...process.env, MINICLOUD_ADMIN_TOKEN: adminToken };
  const child = spawn(binary(), args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`engine did not start within 60 s: ${stderr}`)), 60000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`engine exited with ${code}: ${stderr}`));
    });
  });
  const control = async (method, path) => {
    const res = await fetch(url + path, { method, headers: { authorization: `Bearer ${adminToken}` } });
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : res.json();
  };
  return {
    url,
    clientId,
    stats: () => control('GET', '/dev/v1/stats'),
    revoke: () => control('POST', '/dev/v1/sessions/revoke'),
    expire: () => control('POST', '/dev/v1/sessions/expire'),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}
