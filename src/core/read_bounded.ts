/**
 * The one way files are read: stat first, refuse what is not a regular
 * file, never read more than the caller's limit plus one byte.
 *
 * @module
 */

/**
 * The bytes of the regular file `path`, at most `maxBytes` of them,
 * checked before reading (stat) and while reading (a file that grows is
 * caught by one spare byte). `expected` says in messages what was expected,
 * for example `"30730000 bytes (a batch of 10000 images)"`.
 *
 * @throws {Error} starting with `path`: no such file, not a regular file
 *   (a folder, a FIFO, a device such as a link to `/dev/zero`), over the
 *   limit, or changed while being read.
 * @throws {RangeError} when `maxBytes` is not a non-negative integer.
 *
 * @example
 * ```ts
 * import { readBounded } from "./read_bounded.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/x.bin`, new Uint8Array(10));
 * assert.equal((await readBounded(`${dir}/x.bin`, 10)).length, 10);
 * await assert.rejects(
 *   () => readBounded(`${dir}/x.bin`, 4, "4 bytes"),
 *   /x\.bin: 10 bytes is over the limit of 4 bytes; expected 4 bytes/,
 * );
 * await assert.rejects(() => readBounded(dir, 4), /not a regular file/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readBounded(
  path: string | URL,
  maxBytes: number,
  expected = `at most ${maxBytes} bytes`,
): Promise<Uint8Array> {
  // NaN would compare false with every size and turn the limit off.
  if (!(Number.isSafeInteger(maxBytes) && maxBytes >= 0)) {
    throw new RangeError(
      `readBounded maxBytes must be a non-negative integer, got ${maxBytes}`,
    );
  }
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`${path}: no such file; expected ${expected}`);
    }
    throw error;
  }
  if (!info.isFile) {
    throw new Error(
      `${path}: not a regular file (${kind(info)}); expected ${expected}`,
    );
  }
  const size = info.size;
  if (size > maxBytes) {
    throw new Error(
      `${path}: ${size} bytes is over the limit of ${maxBytes} bytes; expected ${expected}`,
    );
  }
  // Disposed of as `using` would (Node 20 cannot parse `using`).
  const file = await Deno.open(path);
  const bytes = new Uint8Array(size + 1);
  let length = 0;
  try {
    while (length < bytes.length) {
      const read = await file.read(bytes.subarray(length));
      if (read === null) break;
      length += read;
    }
  } finally {
    file[Symbol.dispose]();
  }
  if (length !== size) {
    throw new Error(
      `${path}: it changed while being read (${size} bytes, then ${length})`,
    );
  }
  return bytes.subarray(0, size);
}

function kind(info: Deno.FileInfo): string {
  if (info.isDirectory) return "a folder";
  if (info.isFifo) return "a FIFO";
  if (info.isCharDevice || info.isBlockDevice) return "a device";
  if (info.isSocket) return "a socket";
  return "not a file";
}
