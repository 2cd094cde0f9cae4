/**
 * The small part of the zip format that `.npz` files use: members stored or
 * deflated, read through the central directory (with its zip64 fields, which
 * numpy's `np.savez` always writes), and written stored, as `np.savez` does.
 * Only the members asked for are inflated, within a budget of bytes.
 *
 * @module
 */

import { crc32 } from "../core/crc32.ts";

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_DIRECTORY = 0x06054b50;
const ZIP64_END_OF_DIRECTORY = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EXTRA = 0x0001;
const STORED = 0;
const DEFLATED = 8;
/** The end record is 22 bytes plus a comment of at most 65,535. */
const MAX_END_SEARCH = 22 + 0xffff;

const utf8 = new TextDecoder("utf-8", { fatal: true });
/** Flag bit 11: the name is UTF-8; without it, zip names are CP437. */
const UTF8_NAME = 0x800;
/** Code page 437's characters for bytes 0x80 to 0xff (0x00 to 0x7f are ASCII). */
const CP437_HIGH = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»" +
  "░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀" +
  "αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0";

/** Options of {@linkcode readZip}. */
export interface ReadZipOptions {
  /**
   * Which members to read, by name (default: all). The others are listed
   * in the directory but neither inflated nor checked, whatever they hold.
   */
  wanted?: (name: string) => boolean;
  /**
   * Largest total size of the members read, once inflated (default
   * 1 GiB). Each member's declared size is checked against what is left
   * before it is inflated, and inflating stops at the declared size.
   */
  maxBytes?: number;
}

/**
 * The members of a zip archive that `options.wanted` selects, by name, in
 * the order of its directory. Names are UTF-8 when the entry's flag says
 * so and CP437 otherwise, as Python's `zipfile` (and so numpy) reads them.
 * Stored members are views of `bytes`, not copies.
 *
 * @param source names the archive in error messages (e.g. its path).
 * @throws {Error} naming `source` for a truncated or corrupt archive (the
 *   directory, names and extra fields of every entry are checked), and,
 *   for the members read: an unsupported compression method, encryption,
 *   a duplicate name, a CRC mismatch, or sizes past `options.maxBytes`.
 *
 * @example
 * ```ts
 * import { readZip, writeZip } from "./_zip.ts";
 * import assert from "node:assert/strict";
 *
 * const zip = writeZip([
 *   ["a.txt", new TextEncoder().encode("hi")],
 *   ["big.bin", new Uint8Array(1000)],
 * ]);
 * const members = await readZip(zip, "example.zip", {
 *   wanted: (name) => name.endsWith(".txt"),
 * });
 * assert.deepEqual([...members.keys()], ["a.txt"]);
 * assert.equal(new TextDecoder().decode(members.get("a.txt")), "hi");
 * await assert.rejects(
 *   readZip(zip, "example.zip", { maxBytes: 100 }),
 *   /example\.zip: not a valid zip archive: member big\.bin holds 1000 bytes, and with the 2 bytes read before it that passes the limit of 100 bytes/,
 * );
 * ```
 */
export async function readZip(
  bytes: Uint8Array,
  source: string,
  options: ReadZipOptions = {},
): Promise<Map<string, Uint8Array>> {
  const { wanted = () => true, maxBytes = 1 << 30 } = options;
  const fail = (problem: string): never => {
    throw new Error(`${source}: not a valid zip archive: ${problem}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number) => {
    const value = view.getBigUint64(at, true);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(value);
  };
  const need = (at: number, length: number, what: string) => {
    if (!(at >= 0 && at + length <= bytes.length)) {
      fail(`${what} at byte ${at} runs past the end (${bytes.length} bytes)`);
    }
  };

  let end = -1;
  for (
    let at = bytes.length - 22;
    at >= Math.max(0, bytes.length - MAX_END_SEARCH);
    at--
  ) {
    if (u32(at) === END_OF_DIRECTORY) {
      end = at;
      break;
    }
  }
  if (end < 0) fail("no end-of-directory record (truncated?)");
  let count = u16(end + 10);
  let directorySize = u32(end + 12);
  let directoryAt = u32(end + 16);
  if (end >= 20 && u32(end - 20) === ZIP64_LOCATOR) {
    const at = u64(end - 20 + 8);
    need(at, 56, "zip64 end-of-directory record");
    if (u32(at) !== ZIP64_END_OF_DIRECTORY) {
      fail(`no zip64 end-of-directory record at byte ${at}`);
    }
    count = u64(at + 32);
    directorySize = u64(at + 40);
    directoryAt = u64(at + 48);
  }
  need(directoryAt, directorySize, "central directory");

  const members = new Map<string, Uint8Array>();
  let read = 0;
  let at = directoryAt;
  for (let i = 0; i < count; i++) {
    need(at, 46, `directory entry ${i}`);
    if (u32(at) !== CENTRAL_HEADER) fail(`bad directory entry ${i}`);
    const flags = u16(at + 8);
    const method = u16(at + 10);
    const crc = u32(at + 16);
    let packedSize = u32(at + 20);
    let size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    let localAt = u32(at + 42);
    need(at + 46, nameLength + extraLength, `directory entry ${i}'s name`);
    const nameBytes = bytes.subarray(at + 46, at + 46 + nameLength);
    let name: string;
    if (flags & UTF8_NAME) {
      try {
        name = utf8.decode(nameBytes);
      } catch {
        name = fail(
          `the name of directory entry ${i} is not valid UTF-8, though its flags say it is`,
        );
      }
    } else {
      name = cp437(nameBytes);
    }
    // Zip64 sizes and offset follow in this order, each only when its
    // 32-bit field is saturated. Fields are checked as Python's zipfile
    // does: one that runs past the extra area is corrupt; fewer than 4
    // trailing bytes are padding.
    const extraEnd = at + 46 + nameLength + extraLength;
    for (let e = at + 46 + nameLength; e + 4 <= extraEnd;) {
      const id = u16(e), length = u16(e + 2);
      if (e + 4 + length > extraEnd) {
        fail(
          `member ${name}'s extra field 0x${
            id.toString(16).padStart(4, "0")
          } declares ${length} bytes, but only ${
            extraEnd - e - 4
          } are left in its entry`,
        );
      }
      if (id === ZIP64_EXTRA) {
        const saturated = [size, packedSize, localAt]
          .filter((v) => v === 0xffffffff).length;
        if (length < 8 * saturated) {
          fail(
            `member ${name}'s zip64 extra field holds ${length} bytes, but its ${saturated} saturated size and offset fields need ${
              8 * saturated
            }`,
          );
        }
        let field = e + 4;
        if (size === 0xffffffff) size = u64(field), field += 8;
        if (packedSize === 0xffffffff) packedSize = u64(field), field += 8;
        if (localAt === 0xffffffff) localAt = u64(field);
      }
      e += 4 + length;
    }
    at = extraEnd + commentLength;
    if (!wanted(name)) continue;
    if (flags & 1) fail(`member ${name} is encrypted`);
    if (members.has(name)) fail(`member ${name} appears twice`);
    if (method !== STORED && method !== DEFLATED) {
      fail(
        `member ${name} uses compression method ${method}; expected 0 (stored) or 8 (deflate)`,
      );
    }
    if (size > maxBytes - read) {
      fail(
        `member ${name} holds ${size} bytes, and with the ${read} bytes read before it that passes the limit of ${maxBytes} bytes`,
      );
    }
    need(localAt, 30, `member ${name}'s header`);
    if (u32(localAt) !== LOCAL_HEADER) {
      fail(`no header for member ${name} at byte ${localAt}`);
    }
    const dataAt = localAt + 30 + u16(localAt + 26) + u16(localAt + 28);
    need(dataAt, packedSize, `member ${name}'s data`);
    const packed = bytes.subarray(dataAt, dataAt + packedSize);
    const data = method === STORED ? packed : await inflate(packed, size)
      .catch((error) =>
        fail(`member ${name} does not inflate: ${error.message}`)
      );
    if (data.length !== size) {
      fail(`member ${name} has ${data.length} bytes, its entry says ${size}`);
    }
    if (crc32(data) !== crc) fail(`member ${name} fails its CRC check`);
    read += size;
    members.set(name, data);
  }
  return members;
}

/** A name in code page 437, as zip names without the UTF-8 flag are. */
function cp437(name: Uint8Array): string {
  let text = "";
  for (const byte of name) {
    text += byte < 0x80 ? String.fromCharCode(byte) : CP437_HIGH[byte - 0x80];
  }
  return text;
}

/**
 * A zip archive of the given members, stored uncompressed (as `np.savez`
 * writes them). Archives past 4 GiB, which need zip64, are refused.
 *
 * @throws {RangeError} when the archive would pass 4 GiB.
 *
 * @example
 * ```ts
 * import { writeZip } from "./_zip.ts";
 * import assert from "node:assert/strict";
 *
 * const zip = writeZip([["x", new Uint8Array([1, 2, 3])]]);
 * assert.deepEqual([...zip.subarray(0, 4)], [0x50, 0x4b, 3, 4]);
 * ```
 */
export function writeZip(
  members: readonly (readonly [string, Uint8Array])[],
): Uint8Array {
  const encoder = new TextEncoder();
  const entries = members.map(([name, data]) => ({
    name: encoder.encode(name),
    data,
    crc: crc32(data),
    offset: 0,
  }));
  const localSize = entries.reduce(
    (sum, e) => sum + 30 + e.name.length + e.data.length,
    0,
  );
  const directorySize = entries.reduce((sum, e) => sum + 46 + e.name.length, 0);
  const total = localSize + directorySize + 22;
  if (total > 0xffffffff || entries.length > 0xffff) {
    throw new RangeError(
      `writeZip: an archive of ${entries.length} members and ${total} bytes needs zip64, which is not supported`,
    );
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  // Version 2.0, stored, zero DOS time and date; the UTF-8 flag for a
  // name that is not ASCII (readers take names without it as CP437).
  const common = (e: typeof entries[number], field: number) => {
    view.setUint16(field, 20, true);
    if (e.name.some((b) => b >= 0x80)) {
      view.setUint16(field + 2, UTF8_NAME, true);
    }
    view.setUint32(field + 10, e.crc, true);
    view.setUint32(field + 14, e.data.length, true);
    view.setUint32(field + 18, e.data.length, true);
    view.setUint16(field + 22, e.name.length, true);
  };
  for (const e of entries) {
    e.offset = at;
    view.setUint32(at, LOCAL_HEADER, true);
    common(e, at + 4);
    out.set(e.name, at + 30);
    out.set(e.data, at + 30 + e.name.length);
    at += 30 + e.name.length + e.data.length;
  }
  for (const e of entries) {
    view.setUint32(at, CENTRAL_HEADER, true);
    view.setUint16(at + 4, 20, true);
    common(e, at + 6);
    view.setUint32(at + 42, e.offset, true);
    out.set(e.name, at + 46);
    at += 46 + e.name.length;
  }
  view.setUint32(at, END_OF_DIRECTORY, true);
  view.setUint16(at + 8, entries.length, true);
  view.setUint16(at + 10, entries.length, true);
  view.setUint32(at + 12, directorySize, true);
  view.setUint32(at + 16, localSize, true);
  return out;
}

/** Compressed bytes fed to the inflater at a time. */
const INFLATE_PIECE = 16 * 1024;

/**
 * Inflates raw deflate data, stopping as soon as it passes `limit` bytes.
 * The input goes in by pieces: given at once, it would be inflated at
 * once, whatever it expands to (a 1 MB member to 1 GiB), before the limit
 * could be checked. A piece inflates to at most about 17 MB (deflate's
 * ratio is at most 1032:1).
 */
async function inflate(packed: Uint8Array, limit: number): Promise<Uint8Array> {
  let fed = 0;
  const pieces = new ReadableStream<Uint8Array<ArrayBuffer>>({
    pull(controller) {
      if (fed >= packed.length) return controller.close();
      controller.enqueue(packed.slice(fed, fed + INFLATE_PIECE));
      fed += INFLATE_PIECE;
    },
  }, { highWaterMark: 0 });
  const reader = pieces.pipeThrough(new DecompressionStream("deflate-raw"))
    .getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > limit) {
      await reader.cancel();
      throw new Error(`it inflates past the ${limit} bytes its entry declares`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) out.set(chunk, at), at += chunk.length;
  return out;
}
