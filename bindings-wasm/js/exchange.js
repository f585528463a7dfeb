// The JS side of the core's exchange (bindings-wasm/src/lib.rs): the core is a module with no imports and
// three exports, `memory`, `mc_alloc(len)` and `mc_run(cmd, cmdLen, body, bodyLen)`, either a WebAssembly
// instance or the same module turned into plain JS by wasm2js. A command goes in as JSON text (plus an
// answer's body bytes), its reply comes out as JSON text. This file only moves bytes: every rule is the
// core's. It needs nothing from the host but typed arrays and JSON (TextEncoder/TextDecoder when present).

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

/** A number as the core reads it: its IEEE-754 bits as two 32-bit halves, high first (JSON cannot hold NaN
 * or Infinity, and the core has no decimal float parser; it reads the halves as JSON integers). A value that
 * is not a number is NaN to the core's limits rule. */
export function bits(value) {
  F64[0] = typeof value === 'number' ? value : NaN;
  return [U32[1], U32[0]];
}

const encoder = typeof TextEncoder === 'function' ? new TextEncoder() : null;
const decoder = typeof TextDecoder === 'function' ? new TextDecoder() : null;

/** UTF-8 bytes of a string (a lone surrogate becomes U+FFFD, as TextEncoder does). */
export function utf8(text) {
  if (encoder) return encoder.encode(text);
  const out = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c < 0xe000) {
      const d = text.charCodeAt(i + 1);
      if (c < 0xdc00 && d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd;
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(out);
}

/** The text of UTF-8 bytes the core wrote (always valid UTF-8: Rust strings). */
function text(bytes) {
  if (decoder) return decoder.decode(bytes);
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i++];
    let c = b;
    if (b >= 0xf0) c = ((b & 7) << 18) | ((bytes[i++] & 63) << 12) | ((bytes[i++] & 63) << 6) | (bytes[i++] & 63);
    else if (b >= 0xe0) c = ((b & 15) << 12) | ((bytes[i++] & 63) << 6) | (bytes[i++] & 63);
    else if (b >= 0xc0) c = ((b & 31) << 6) | (bytes[i++] & 63);
    if (c > 0xffff) {
      c -= 0x10000;
      out += String.fromCharCode(0xd800 + (c >> 10), 0xdc00 + (c & 1023));
    } else out += String.fromCharCode(c);
  }
  return out;
}

/** Copies bytes into the core's memory (a buffer the next mc_run frees). */
function put(exports, bytes) {
  const ptr = exports.mc_alloc(bytes.length);
  new Uint8Array(exports.memory.buffer).set(bytes, ptr);
  return ptr;
}

/** Runs one command on a core's exports: `cmd` is the command as JSON text, `body` the answer's bytes (or
 * none); returns the parsed reply. Throws whatever the core throws (a trap). */
export function run(exports, cmd, body) {
  const cmdBytes = utf8(cmd);
  const bodyBytes = body || new Uint8Array(0);
  const cmdPtr = put(exports, cmdBytes);
  const bodyPtr = put(exports, bodyBytes);
  const at = exports.mc_run(cmdPtr, cmdBytes.length, bodyPtr, bodyBytes.length) >>> 0;
  const memory = new Uint8Array(exports.memory.buffer);
  const len = (memory[at] | (memory[at + 1] << 8) | (memory[at + 2] << 16) | (memory[at + 3] << 24)) >>> 0;
  return JSON.parse(text(memory.subarray(at + 4, at + 4 + len)));
}
