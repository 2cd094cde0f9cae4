/**
 * A tiny CIFAR-10 written on the spot, in the official binary layout: for
 * examples and tests that need real files but not the 170 MB download.
 *
 * @module
 */

import { join } from "pathe";
import {
  CIFAR10_BATCHES,
  type Cifar10BatchName,
  type Cifar10Expected,
  IMAGE_BYTES,
  RECORD_BYTES,
  sha256Hex,
} from "./batch.ts";
import { BATCH_FOLDER_NAMES } from "./_folder.ts";

/**
 * Writes `dir/cifar-10-batches-bin/` with `imagesPerBatch` images in each
 * of the six batches and returns what they must match (pass it as the
 * `expected` option). Image `i` (numbered across the batches, training
 * ones first) has label `(3 i) % 10`, and byte `(37 i + 85 c + 7 p) % 256`
 * for channel `c` of pixel `p`: with 4 images a batch these are the
 * package's test fixtures, byte for byte.
 *
 * @throws {RangeError} unless `imagesPerBatch` is a positive integer.
 *
 * @example
 * ```ts
 * import { writeTinyCifar10 } from "@twolayer/net/cifar10";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const expected = await writeTinyCifar10(dir, 2);
 * assert.equal(expected.imagesPerBatch, 2);
 * const batch = await Deno.readFile(`${dir}/cifar-10-batches-bin/test_batch.bin`);
 * assert.equal(batch.length, 2 * 3073);
 * assert.equal(batch[3073], (11 * 3) % 10); // image 11's label
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeTinyCifar10(
  dir: string,
  imagesPerBatch = 4,
): Promise<Cifar10Expected> {
  if (!Number.isInteger(imagesPerBatch) || imagesPerBatch < 1) {
    throw new RangeError(
      `imagesPerBatch must be a positive integer, got ${imagesPerBatch}`,
    );
  }
  const folder = join(dir, BATCH_FOLDER_NAMES.binary);
  await Deno.mkdir(folder, { recursive: true });
  const sha256 = {} as Record<Cifar10BatchName, string>;
  for (const [b, name] of CIFAR10_BATCHES.entries()) {
    const batch = new Uint8Array(imagesPerBatch * RECORD_BYTES);
    for (let i = 0; i < imagesPerBatch; i++) {
      const image = b * imagesPerBatch + i, at = i * RECORD_BYTES;
      batch[at] = (image * 3) % 10;
      for (let k = 0; k < IMAGE_BYTES; k++) {
        const channel = Math.floor(k / 1024), pixel = k % 1024;
        batch[at + 1 + k] = (image * 37 + channel * 85 + pixel * 7) % 256;
      }
    }
    await Deno.writeFile(join(folder, `${name}.bin`), batch);
    sha256[name] = await sha256Hex(batch);
  }
  return { imagesPerBatch, sha256 };
}
