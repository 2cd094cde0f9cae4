/**
 * The small part of the zip format that `.npz` files use: members stored or
 * deflated, read through the central directory (with its zip64 fields, which
 * numpy's `np.savez` always writes), and written stored, as `np.savez` does.
 *
 * @module
 */

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

/**
 * The members of a zip archive, by name, in the order of its directory.
 *
 * @param source names the archive in error messages (e.g. its path).
 * @param maxMemberBytes largest size a compressed member may inflate to.
 * @throws {Error} naming `source` for a truncated or corrupt archive, an
 *   unsupported compression method, a CRC mismatch or duplicate names.
 *
 * @example
 * ```ts
 * import { readZip, writeZip } from "./_zip.ts";
 * import assert from "node:assert/strict";
 *
 * const zip = writeZip([["a.txt", new TextEncoder().encode("hi")]]);
 * const members = await readZip(zip, "example.zip");
 * assert.equal(new TextDecoder().decode(members.get("a.txt")), "hi");
 * ```
 */
export async function readZip(
  bytes: Uint8Array,
  source: string,
  maxMemberBytes = 1 << 30,
): Promise<Map<string, Uint8Array>> {
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
    const name = utf8.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    // Zip64 sizes and offset follow in this order, each only when its
    // 32-bit field is saturated.
    for (
      let e = at + 46 + nameLength;
      e + 4 <= at + 46 + nameLength + extraLength;
      e += 4 + u16(e + 2)
    ) {
      if (u16(e) !== ZIP64_EXTRA) continue;
      let field = e + 4;
      if (size === 0xffffffff) size = u64(field), field += 8;
      if (packedSize === 0xffffffff) packedSize = u64(field), field += 8;
      if (localAt === 0xffffffff) localAt = u64(field);
    }
    if (flags & 1) fail(`member ${name} is encrypted`);
    if (members.has(name)) fail(`member ${name} appears twice`);
    need(localAt, 30, `member ${name}'s header`);
    if (u32(localAt) !== LOCAL_HEADER) {
      fail(`no header for member ${name} at byte ${localAt}`);
    }
    const dataAt = localAt + 30 + u16(localAt + 26) + u16(localAt + 28);
    need(dataAt, packedSize, `member ${name}'s data`);
    const packed = bytes.subarray(dataAt, dataAt + packedSize);
    let data: Uint8Array;
    if (method === STORED) {
      data = packed.slice();
    } else if (method === DEFLATED) {
      if (size > maxMemberBytes) {
        fail(
          `member ${name} would inflate to ${size} bytes, more than the limit of ${maxMemberBytes}`,
        );
      }
      data = await inflate(packed, size).catch((error) =>
        fail(`member ${name} does not inflate: ${error.message}`)
      );
    } else {
      data = fail(
        `member ${name} uses compression method ${method}; expected 0 (stored) or 8 (deflate)`,
      );
    }
    if (data.length !== size) {
      fail(`member ${name} has ${data.length} bytes, its entry says ${size}`);
    }
    if (crc32(data) !== crc) fail(`member ${name} fails its CRC check`);
    members.set(name, data);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return members;
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
  // Version 2.0, no flags, stored, zero DOS time and date.
  const common = (e: typeof entries[number], field: number) => {
    view.setUint16(field, 20, true);
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

/** Inflates raw deflate data, stopping as soon as it passes `limit` bytes. */
async function inflate(packed: Uint8Array, limit: number): Promise<Uint8Array> {
  const reader = new Blob([packed.slice()]).stream()
    .pipeThrough(new DecompressionStream("deflate-raw")).getReader();
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

let crcTable: Uint32Array | undefined;

/** The CRC-32 (IEEE 802.3, as zip uses) of `data`. */
function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    crc = crcTable[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}
