/**
 * numpy's `.npy` array format, for the arrays a saved network holds:
 * float64 and float32 arrays of any shape (C or Fortran order, either byte
 * order), and single strings (unicode or bytes) for text such as the loss
 * name; the header of any array can be read, to skip what is not needed.
 *
 * @module
 */

import type { FloatArray } from "../core/matrix.ts";

/** An array as `.npy` stores it: a float array or a 0-d string. */
export interface NpyArray {
  /** Sizes of the dimensions (empty for a 0-d array). */
  shape: number[];
  /** Elements in C (row-major) order, or the text of a 0-d string array. */
  data: FloatArray | string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The bytes of `.npy` version 1.0 for `array`, as `np.save` writes them:
 * little-endian, C order, header padded to 64 bytes.
 *
 * @throws {RangeError} when the shape does not match the number of elements.
 *
 * @example
 * ```ts
 * import { decodeNpy, encodeNpy } from "./_npy.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeNpy({ shape: [2], data: new Float64Array([1, 2]) });
 * assert.deepEqual(decodeNpy(bytes, "x.npy").data, new Float64Array([1, 2]));
 * ```
 */
export function encodeNpy(array: NpyArray): Uint8Array {
  const { shape, data } = array;
  const count = shape.reduce((a, b) => a * b, 1);
  let descr: string;
  let body: Uint8Array;
  if (typeof data === "string") {
    const chars = [...data].map((c) => c.codePointAt(0)!);
    if (shape.length !== 0) {
      throw new RangeError(
        `encodeNpy: a string must be a 0-d array, got shape (${shape})`,
      );
    }
    descr = `<U${Math.max(chars.length, 1)}`;
    const ucs4 = new Uint32Array(Math.max(chars.length, 1));
    ucs4.set(chars);
    body = littleEndianBytes(ucs4);
  } else {
    if (count !== data.length) {
      throw new RangeError(
        `encodeNpy: shape (${shape}) needs ${count} elements, got ${data.length}`,
      );
    }
    descr = data instanceof Float32Array ? "<f4" : "<f8";
    body = littleEndianBytes(data);
  }
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  let header =
    `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  header += " ".repeat(63 - (10 + header.length) % 64) + "\n";
  const out = new Uint8Array(10 + header.length + body.length);
  out.set(MAGIC);
  out[6] = 1;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(body, 10 + header.length);
  return out;
}

/** What a `.npy` header says about the array that follows it. */
export interface NpyHeader {
  /** numpy's type string, e.g. `<f8` or `<U7`. */
  descr: string;
  /** Sizes of the dimensions (empty for a 0-d array). */
  shape: number[];
  /** Whether the elements are stored column-major. */
  fortranOrder: boolean;
  /** Offset of the first element in the bytes. */
  dataAt: number;
}

/**
 * Reads the header of `.npy` bytes (versions 1 to 3), whatever the dtype.
 *
 * @param source names the array in error messages.
 * @throws {Error} naming `source` when the bytes are not `.npy` or the
 *   header is malformed.
 *
 * @example
 * ```ts
 * import { encodeNpy, readNpyHeader } from "./_npy.ts";
 * import assert from "node:assert/strict";
 *
 * const header = readNpyHeader(encodeNpy({ shape: [2, 3], data: new Float32Array(6) }), "x.npy");
 * assert.equal(header.descr, "<f4");
 * assert.deepEqual(header.shape, [2, 3]);
 * ```
 */
export function readNpyHeader(bytes: Uint8Array, source: string): NpyHeader {
  const fail = failer(source);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    fail("it does not start with the .npy magic string");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  if (major < 1 || major > 3) fail(`unknown format version ${major}`);
  const lengthBytes = major === 1 ? 2 : 4;
  const headerLength = major === 1
    ? view.getUint16(8, true)
    : view.getUint32(8, true);
  const dataAt = 8 + lengthBytes + headerLength;
  if (dataAt > bytes.length) {
    fail(`the header of ${headerLength} bytes runs past the end`);
  }
  const header = latin1.decode(bytes.subarray(8 + lengthBytes, dataAt)).trim();
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const dims = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (
    !header.startsWith("{") || !header.endsWith("}") ||
    descr === undefined || fortran === undefined || dims === undefined
  ) {
    fail(`expected a dict with descr, fortran_order and shape, got ${header}`);
  }
  const shape = dims!.split(",").map((d) => d.trim()).filter((d) => d !== "")
    .map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    fail(`bad shape (${dims})`);
  }
  return { descr: descr!, shape, fortranOrder: fortran === "True", dataAt };
}

/**
 * Whether a header describes one string: a unicode (`U`) or byte (`S`)
 * string array of a single element, 0-d like `np.array("softmax")` or
 * 1-d like `np.array(["softmax"])`.
 *
 * @example
 * ```ts
 * import { encodeNpy, isNpyText, readNpyHeader } from "./_npy.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(isNpyText(readNpyHeader(encodeNpy({ shape: [], data: "mse" }), "loss.npy")));
 * assert.ok(!isNpyText(readNpyHeader(encodeNpy({ shape: [1], data: new Float64Array(1) }), "loss.npy")));
 * ```
 */
export function isNpyText(header: NpyHeader): boolean {
  return /^[<>=|][US]\d+$/.test(header.descr) &&
    header.shape.every((d) => d === 1);
}

/**
 * Reads `.npy` bytes (versions 1 to 3) holding a float32 or float64 array,
 * or one string (see {@linkcode isNpyText}; byte strings are read as UTF-8).
 *
 * @param source names the array in error messages.
 * @throws {Error} naming `source` when the bytes are not `.npy`, the header
 *   is malformed, the dtype is not `f4`, `f8` or a single `U` or `S`
 *   string, or the data is shorter or longer than the header says.
 *
 * @example
 * ```ts
 * import { decodeNpy, encodeNpy } from "./_npy.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeNpy({ shape: [], data: "softmax" });
 * assert.equal(decodeNpy(bytes, "loss.npy").data, "softmax");
 * ```
 */
export function decodeNpy(bytes: Uint8Array, source: string): NpyArray {
  const fail = failer(source);
  const header = readNpyHeader(bytes, source);
  const { descr, shape, dataAt } = header;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = shape.reduce((a, b) => a * b, 1);
  const match = /^([<>=|])([fUS])(\d+)$/.exec(descr);
  const [, order, kind, sizeText] = match ?? [];
  const size = Number(sizeText);
  const itemSize = kind === "U" ? 4 * size : size;
  if (!match || (kind === "f" && size !== 4 && size !== 8)) {
    fail(
      `dtype '${descr}' is not supported; expected '<f8', '<f4' or one string`,
    );
  }
  if (kind !== "f" && !isNpyText(header)) {
    fail(
      `a '${descr}' string array must hold one string, got shape (${shape})`,
    );
  }
  const body = bytes.subarray(dataAt);
  if (body.length !== count * itemSize) {
    fail(
      `shape (${shape}) of '${descr}' needs ${
        count * itemSize
      } data bytes, found ${body.length}`,
    );
  }
  const bigEndian = order === ">";
  if (kind === "S") {
    // numpy drops a byte string's trailing NULs.
    let length = body.length;
    while (length > 0 && body[length - 1] === 0) length--;
    try {
      return { shape, data: utf8.decode(body.subarray(0, length)) };
    } catch {
      return fail(`the byte string '${descr}' is not UTF-8 text`);
    }
  }
  if (kind === "U") {
    let text = "";
    for (let i = 0; i < size; i++) {
      const code = view.getUint32(dataAt + 4 * i, !bigEndian);
      if (code === 0) break;
      if (code > 0x10ffff) fail(`character ${i} is not a code point`);
      text += String.fromCodePoint(code);
    }
    return { shape, data: text };
  }
  const read = (i: number) =>
    size === 8
      ? view.getFloat64(dataAt + 8 * i, !bigEndian)
      : view.getFloat32(dataAt + 4 * i, !bigEndian);
  const data = size === 8 ? new Float64Array(count) : new Float32Array(count);
  if (header.fortranOrder && shape.length > 1) {
    // Column-major on disk: the first index varies fastest.
    const strides = shape.map((_, d) =>
      shape.slice(d + 1).reduce((a, b) => a * b, 1)
    );
    const index = new Array(shape.length).fill(0);
    for (let k = 0; k < count; k++) {
      data[index.reduce((at, n, d) => at + n * strides[d], 0)] = read(k);
      for (let d = 0; d < shape.length && ++index[d] === shape[d]; d++) {
        index[d] = 0;
      }
    }
  } else {
    for (let i = 0; i < count; i++) data[i] = read(i);
  }
  return { shape, data };
}

function failer(source: string): (problem: string) => never {
  return (problem) => {
    throw new Error(`${source}: not a valid .npy array: ${problem}`);
  };
}

/** The little-endian bytes of a typed array (a copy). */
function littleEndianBytes(data: FloatArray | Uint32Array): Uint8Array {
  const width = data.BYTES_PER_ELEMENT;
  const out = new Uint8Array(data.length * width);
  const view = new DataView(out.buffer);
  const write = data instanceof Float64Array
    ? (i: number) => view.setFloat64(8 * i, data[i], true)
    : data instanceof Float32Array
    ? (i: number) => view.setFloat32(4 * i, data[i], true)
    : (i: number) => view.setUint32(4 * i, data[i], true);
  for (let i = 0; i < data.length; i++) write(i);
  return out;
}
