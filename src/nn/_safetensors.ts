/**
 * The safetensors format (Hugging Face's): an 8-byte little-endian header
 * length, a JSON header naming each tensor's dtype, shape and byte range,
 * then the tensors' bytes, back to back. Only the float dtypes a network
 * holds (`F64`, `F32`) are decoded; the whole header is checked.
 *
 * @module
 */

import type { FloatArray } from "../core/matrix.ts";

/** A float tensor as safetensors stores it. */
export interface Tensor {
  /** Sizes of the dimensions (empty for a scalar). */
  shape: number[];
  /** Elements in row-major order: `F64` or `F32` by array type. */
  data: FloatArray;
}

/** Tensors by name and the string metadata of a safetensors file. */
export interface Safetensors {
  /** The tensors, by name. */
  tensors: Record<string, Tensor>;
  /** The header's `__metadata__` (strings only, as the format requires). */
  metadata: Record<string, string>;
  /**
   * The dtype of every tensor in the header, including those of dtypes
   * other than `F64` and `F32`, which are checked but not decoded.
   */
  dtypes: Record<string, string>;
}

/** Largest header accepted, as the reference implementation's (100 MB). */
const MAX_HEADER_BYTES = 100_000_000;
const ITEM_BYTES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
};

/**
 * The bytes of a safetensors file holding `tensors` in the order given,
 * with `metadata` in the header; the header is padded with spaces so the
 * tensors start 8-byte aligned.
 *
 * @throws {RangeError} when a shape does not match its tensor's length, or
 *   a name is `__metadata__`.
 *
 * @example
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "./_safetensors.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeSafetensors(
 *   { b: { shape: [2], data: new Float32Array([1, 2]) } },
 *   { note: "hi" },
 * );
 * const file = decodeSafetensors(bytes, "b.safetensors");
 * assert.deepEqual(file.tensors.b.data, new Float32Array([1, 2]));
 * assert.equal(file.metadata.note, "hi");
 * ```
 */
export function encodeSafetensors(
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, { shape, data }] of Object.entries(tensors)) {
    const count = shape.reduce((a, b) => a * b, 1);
    if (name === "__metadata__" || count !== data.length) {
      throw new RangeError(
        name === "__metadata__"
          ? "encodeSafetensors: a tensor cannot be named __metadata__"
          : `encodeSafetensors: tensor ${name} of shape [${shape}] needs ${count} elements, got ${data.length}`,
      );
    }
    const end = offset + data.byteLength;
    header[name] = {
      dtype: data instanceof Float32Array ? "F32" : "F64",
      shape,
      data_offsets: [offset, end],
    };
    offset = end;
  }
  const json = JSON.stringify(header);
  const headerBytes = new TextEncoder().encode(json);
  // Non-ASCII names make the byte length differ from the string's.
  const padding = (8 - headerBytes.length % 8) % 8;
  const start = 8 + headerBytes.length + padding;
  const out = new Uint8Array(start + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length + padding), true);
  out.set(headerBytes, 8);
  out.fill(0x20, 8 + headerBytes.length, start);
  let at = start;
  for (const { data } of Object.values(tensors)) {
    if (data instanceof Float32Array) {
      for (let i = 0; i < data.length; i++) {
        view.setFloat32(at + 4 * i, data[i], true);
      }
    } else {
      for (let i = 0; i < data.length; i++) {
        view.setFloat64(at + 8 * i, data[i], true);
      }
    }
    at += data.byteLength;
  }
  return out;
}

/**
 * Reads safetensors bytes, checking the header as the format requires:
 * valid JSON, known dtypes, byte ranges that match the shapes and tile the
 * data exactly (no gaps, no overlaps).
 *
 * @param source names the file in error messages.
 * @throws {Error} naming `source` and the problem: truncated, header length
 *   past the end, invalid JSON, a bad entry, overlapping or gapped offsets,
 *   or a tensor's size not matching its dtype and shape.
 *
 * @example A truncated file
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "./_safetensors.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeSafetensors({ x: { shape: [1], data: new Float64Array(1) } });
 * assert.throws(
 *   () => decodeSafetensors(bytes.subarray(0, bytes.length - 1), "x.safetensors"),
 *   /x\.safetensors: .*past the end/,
 * );
 * ```
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  source: string,
): Safetensors {
  const fail = (problem: string): never => {
    throw new Error(`${source}: not a valid safetensors file: ${problem}`);
  };
  if (bytes.length < 8) {
    fail(`${bytes.length} bytes is too short for the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(bytes.length - 8)) {
    fail(
      `header length ${declared} runs past the end of the file (${bytes.length} bytes; truncated?)`,
    );
  }
  const headerLength = Number(declared);
  if (headerLength > MAX_HEADER_BYTES) {
    fail(`header length ${headerLength} is over ${MAX_HEADER_BYTES}`);
  }
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(
        bytes.subarray(8, 8 + headerLength),
      ),
    );
  } catch (error) {
    fail(`the header is not valid JSON (${(error as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    fail("the header is not a JSON object");
  }
  const { __metadata__: metadata = {}, ...entries } = header as Record<
    string,
    unknown
  >;
  if (
    typeof metadata !== "object" || metadata === null ||
    Array.isArray(metadata) ||
    Object.values(metadata).some((v) => typeof v !== "string")
  ) {
    const found = Array.isArray(metadata)
      ? "an array"
      : metadata === null || typeof metadata !== "object"
      ? String(metadata)
      : "a value that is not a string";
    fail(
      `__metadata__ must be an object mapping names to strings, got ${found}`,
    );
  }
  const start = 8 + headerLength;
  const dataLength = bytes.length - start;
  const ranges: { name: string; begin: number; end: number }[] = [];
  const tensors: Record<string, Tensor> = {};
  const dtypes: Record<string, string> = {};
  for (const [name, entry] of Object.entries(entries)) {
    const { dtype, shape, data_offsets: offsets } = (entry ?? {}) as Record<
      string,
      unknown
    >;
    if (
      typeof dtype !== "string" || !(dtype in ITEM_BYTES) ||
      !Array.isArray(shape) ||
      shape.some((d) => !Number.isSafeInteger(d) || d < 0) ||
      !Array.isArray(offsets) || offsets.length !== 2 ||
      offsets.some((o) => !Number.isSafeInteger(o) || o < 0)
    ) {
      fail(
        `tensor ${name} needs a known dtype, a shape of sizes and two data_offsets, got ${
          JSON.stringify(entry)
        }`,
      );
    }
    const [begin, end] = offsets as number[];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end < begin || end - begin !== count * ITEM_BYTES[dtype as string]) {
      fail(
        `tensor ${name} of ${dtype} shape [${shape}] needs ${
          count * ITEM_BYTES[dtype as string]
        } bytes, its data_offsets [${begin}, ${end}] give ${end - begin}`,
      );
    }
    if (end > dataLength) {
      fail(
        `tensor ${name}'s data_offsets [${begin}, ${end}] run past the end of the data (${dataLength} bytes; truncated?)`,
      );
    }
    ranges.push({ name, begin, end });
    dtypes[name] = dtype as string;
    if (dtype !== "F64" && dtype !== "F32") continue;
    const data = dtype === "F64"
      ? new Float64Array(count)
      : new Float32Array(count);
    for (let i = 0; i < count; i++) {
      data[i] = dtype === "F64"
        ? view.getFloat64(start + begin + 8 * i, true)
        : view.getFloat32(start + begin + 4 * i, true);
    }
    tensors[name] = { shape: shape as number[], data };
  }
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const { name, begin, end } of ranges) {
    if (begin < covered) {
      fail(
        `tensor ${name}'s data_offsets [${begin}, ${end}] overlap another tensor`,
      );
    }
    if (begin > covered) {
      fail(`no tensor covers data bytes ${covered} to ${begin}`);
    }
    covered = end;
  }
  if (covered !== dataLength) {
    fail(`${dataLength - covered} bytes after the last tensor belong to none`);
  }
  return { tensors, metadata: metadata as Record<string, string>, dtypes };
}
