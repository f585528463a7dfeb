// What the wasm-bindgen glue needs from the JS runtime, for hosts that lack it.
//
// Mini-program runtimes (wx, qq, my, swan, tt, jd, ks) have no TextEncoder/TextDecoder and sometimes no
// `globalThis`; the glue creates a TextDecoder and a TextEncoder when it is evaluated, so this module must be
// imported before it (ES modules evaluate their imports in order). Everything here is installed only when
// missing: browsers and Node keep their own. The glue needs nothing else from the host (no fetch, no URL)
// when the wasm is handed to BaaS.init as bytes, a WebAssembly.Module or a loader function.

const g =
  typeof globalThis !== 'undefined'
    ? globalThis
    : typeof self !== 'undefined'
      ? self
      : typeof window !== 'undefined'
        ? window
        : typeof global !== 'undefined'
          ? global
          : undefined;

if (g && typeof g.globalThis === 'undefined') g.globalThis = g;

/** UTF-8 encoder with the part of the TextEncoder API the glue uses (`encode`). */
class Utf8Encoder {
  get encoding() {
    return 'utf-8';
  }

  encode(text = '') {
    const s = String(text);
    const out = [];
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        } else {
          c = 0xfffd;
        }
      } else if (c >= 0xd800 && c < 0xe000) {
        c = 0xfffd;
      }
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8Array(out);
  }
}

/** UTF-8 decoder with the part of the TextDecoder API the glue uses (`decode(bytes)`); the wasm only ever
 * hands it valid UTF-8 (Rust strings). */
class Utf8Decoder {
  get encoding() {
    return 'utf-8';
  }

  decode(bytes) {
    if (!bytes) return '';
    const parts = [];
    let chunk = [];
    for (let i = 0; i < bytes.length; ) {
      const b = bytes[i++];
      let c;
      if (b < 0x80) c = b;
      else if (b < 0xe0) c = ((b & 31) << 6) | (bytes[i++] & 63);
      else if (b < 0xf0) c = ((b & 15) << 12) | ((bytes[i++] & 63) << 6) | (bytes[i++] & 63);
      else c = ((b & 7) << 18) | ((bytes[i++] & 63) << 12) | ((bytes[i++] & 63) << 6) | (bytes[i++] & 63);
      if (c > 0xffff) {
        c -= 0x10000;
        chunk.push(0xd800 + (c >> 10), 0xdc00 + (c & 1023));
      } else {
        chunk.push(c);
      }
      if (chunk.length >= 4096) {
        parts.push(String.fromCharCode.apply(null, chunk));
        chunk = [];
      }
    }
    parts.push(String.fromCharCode.apply(null, chunk));
    return parts.join('');
  }
}

if (g && typeof g.TextEncoder === 'undefined') g.TextEncoder = Utf8Encoder;
if (g && typeof g.TextDecoder === 'undefined') g.TextDecoder = Utf8Decoder;

export { Utf8Encoder, Utf8Decoder };
