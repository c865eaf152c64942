// UTF-8 the way Apache ZooKeeper's Java code does it, so that strings
// round-trip exactly as they do through an Apache server.
//
// Encoding follows BinaryOutputArchive.stringToByteBuffer: every UTF-16 code
// unit on its own, so a supplementary character (a surrogate pair) becomes two
// 3-byte sequences (CESU-8), not one 4-byte sequence.
//
// Decoding follows `new String(bytes, UTF_8)` of the JDK (17+): well-formed
// UTF-8 is decoded as usual; each malformed sequence becomes U+FFFD, with the
// JDK's rules for how many bytes one U+FFFD stands for (they differ from the
// WHATWG decoder's, e.g. an encoded surrogate ED A0 80 is one U+FFFD in Java,
// three in TextDecoder).

const REPLACEMENT = 0xfffd;
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Upper bound of the encoded size of `s`: 3 bytes per UTF-16 code unit. */
export function utf8MaxBytes(s: string): number {
  return s.length * 3;
}

/**
 * Writes `s` into `buf` at `pos` as BinaryOutputArchive does; `buf` must have
 * room for {@linkcode utf8MaxBytes}. Returns the new position.
 */
export function encodeJavaUtf8(s: string, buf: Uint8Array, pos: number): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[pos++] = c;
    } else if (c < 0x800) {
      buf[pos++] = 0xc0 | (c >> 6);
      buf[pos++] = 0x80 | (c & 0x3f);
    } else {
      buf[pos++] = 0xe0 | (c >> 12);
      buf[pos++] = 0x80 | ((c >> 6) & 0x3f);
      buf[pos++] = 0x80 | (c & 0x3f);
    }
  }
  return pos;
}

/** Decodes `buf[start, end)` as the JDK's `new String(bytes, UTF_8)` would. */
export function decodeJavaUtf8(buf: Uint8Array, start: number, end: number): string {
  const len = end - start;
  if (len <= 32) {
    // Short strings (znode names, paths): build directly when all ASCII.
    let s = "";
    for (let i = start; i < end; i++) {
      const b = buf[i];
      if (b >= 0x80) return decodeNonAscii(buf, start, end);
      s += String.fromCharCode(b);
    }
    return s;
  }
  return decodeNonAscii(buf, start, end);
}

function decodeNonAscii(buf: Uint8Array, start: number, end: number): string {
  try {
    // Well-formed input decodes the same in the JDK and in TextDecoder.
    return strictDecoder.decode(buf.subarray(start, end));
  } catch {
    return decodeLenient(buf, start, end);
  }
}

function isCont(b: number): boolean {
  return (b & 0xc0) === 0x80;
}

// The JDK's replacement rules, restated; `units` collects UTF-16 code units.
function decodeLenient(buf: Uint8Array, start: number, end: number): string {
  const units: number[] = [];
  let i = start;
  while (i < end) {
    const b1 = buf[i++];
    const left = end - i;
    if (b1 < 0x80) {
      units.push(b1);
    } else if (b1 >= 0xc2 && b1 <= 0xdf) {
      if (left === 0) {
        units.push(REPLACEMENT);
        break;
      }
      const b2 = buf[i];
      if (!isCont(b2)) {
        units.push(REPLACEMENT);
      } else {
        units.push(((b1 & 0x1f) << 6) | (b2 & 0x3f));
        i++;
      }
    } else if (b1 >= 0xe0 && b1 <= 0xef) {
      if (left >= 2) {
        const b2 = buf[i];
        const b3 = buf[i + 1];
        const badSecond = (b1 === 0xe0 && (b2 & 0xe0) === 0x80) || !isCont(b2);
        if (badSecond) {
          units.push(REPLACEMENT);
        } else if (!isCont(b3)) {
          units.push(REPLACEMENT);
          i += 1;
        } else {
          const c = ((b1 & 0x0f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
          units.push(c >= 0xd800 && c <= 0xdfff ? REPLACEMENT : c);
          i += 2;
        }
        continue;
      }
      units.push(REPLACEMENT);
      if (left === 1) {
        const b2 = buf[i];
        if ((b1 === 0xe0 && (b2 & 0xe0) === 0x80) || !isCont(b2)) continue;
      }
      break;
    } else if (b1 >= 0xf0 && b1 <= 0xf7) {
      if (left >= 3) {
        const b2 = buf[i];
        const b3 = buf[i + 1];
        const b4 = buf[i + 2];
        const cp = ((b1 & 0x07) << 18) | ((b2 & 0x3f) << 12) | ((b3 & 0x3f) << 6) | (b4 & 0x3f);
        if (!isCont(b2) || !isCont(b3) || !isCont(b4) || cp < 0x10000 || cp > 0x10ffff) {
          units.push(REPLACEMENT);
          if (
            b1 > 0xf4 || (b1 === 0xf0 && (b2 < 0x90 || b2 > 0xbf)) ||
            (b1 === 0xf4 && (b2 & 0xf0) !== 0x80) || !isCont(b2)
          ) {
            // one byte stands for the U+FFFD
          } else if (!isCont(b3)) {
            i += 1;
          } else {
            i += 2;
          }
        } else {
          const v = cp - 0x10000;
          units.push(0xd800 | (v >> 10), 0xdc00 | (v & 0x3ff));
          i += 3;
        }
        continue;
      }
      units.push(REPLACEMENT);
      if (b1 > 0xf4) continue;
      if (left >= 1) {
        const b2 = buf[i];
        if (
          (b1 === 0xf0 && (b2 < 0x90 || b2 > 0xbf)) || (b1 === 0xf4 && (b2 & 0xf0) !== 0x80) ||
          !isCont(b2)
        ) continue;
      }
      i++;
      if (i < end && !isCont(buf[i])) continue;
      break;
    } else {
      units.push(REPLACEMENT);
    }
  }
  let s = "";
  for (let k = 0; k < units.length; k += 4096) {
    s += String.fromCharCode(...units.slice(k, k + 4096));
  }
  return s;
}
