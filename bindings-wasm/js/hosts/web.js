// The adapter of browsers: fetch with an AbortController (time limit and cancellation), localStorage with each
// value stored as JSON {"value": v} (the official web SDK's format), navigator.onLine for the network state.

import { requestTask, headerObject } from './common.js';

/** Reads a fetch body, stopping (and cancelling the stream) past `limit` bytes. */
async function readBody(res, limit) {
  if (!res.body || typeof res.body.getReader !== 'function') {
    const bytes = new Uint8Array(await res.arrayBuffer());
    return bytes.length > limit ? null : bytes;
  }
  const reader = res.body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The adapter over `env` = {fetch, localStorage, navigator} (the browser's globals by default). */
export function webHost(env) {
  const fetchFn = env.fetch;
  const storage = env.localStorage;
  return {
    request(req) {
      const controller = typeof AbortController === 'function' ? new AbortController() : null;
      return requestTask(req.timeoutMs, (finish) => {
        fetchFn(req.url, {
          method: req.method,
          headers: headerObject(req, 'content-type'),
          body: req.body,
          signal: controller ? controller.signal : undefined,
        })
          .then(async (res) => {
            const headers = [];
            res.headers.forEach((v, k) => headers.push([k, v]));
            const body = await readBody(res, req.maxResponseBytes);
            finish(body === null ? { error: 'too_large' } : { status: res.status, headers, body });
          })
          // A network failure is a TypeError from fetch: a transport failure for the core (600/601), never
          // an exception for the caller (PROTOCOL.md §1.8).
          .catch((e) => finish({ error: 'connect', message: String((e && e.message) || e) }));
        return controller;
      });
    },
    getItem(key) {
      if (!storage) return undefined;
      const raw = storage.getItem(key);
      if (raw === null || raw === undefined) return undefined;
      try {
        const parsed = JSON.parse(raw);
        return parsed && typeof parsed === 'object' && 'value' in parsed ? parsed.value : undefined;
      } catch (_) {
        return undefined;
      }
    },
    setItem(key, value) {
      if (storage) storage.setItem(key, JSON.stringify({ value }));
    },
    isOffline: () => Promise.resolve(!!env.navigator && env.navigator.onLine === false),
  };
}
