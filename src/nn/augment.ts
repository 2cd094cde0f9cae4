/**
 * Data augmentation of training minibatches: random horizontal flips, as
 * ConvNetJS trains CIFAR-10, drawn from the trainer's stream so that runs
 * are reproducible.
 *
 * @module
 */

import type { FloatArray, Matrix } from "../core/matrix.ts";
import type { RandomState } from "../core/random.ts";
import { checkOptionNames } from "../core/options.ts";

/** Options of `TrainOptions.augment`. */
export interface AugmentOptions {
  /** Mirror each minibatch image left to right with probability 1/2. */
  flipHorizontal?: boolean;
  /**
   * `[height, width, channels]` of each row, pixel-major as the workbook's
   * `X.reshape(N, -1)` of `N x 32 x 32 x 3` images: element
   * `(r, c, k)` is at `(r * width + c) * channels + k`. Default
   * `[32, 32, 3]` when rows have 3072 values; required otherwise.
   */
  imageShape?: readonly [number, number, number];
}

/** Applies the augmentation to a gathered minibatch, in place. */
export type Augmenter = (batch: Matrix<FloatArray>, rng: RandomState) => void;

const KEYS = ["flipHorizontal", "imageShape"];

/**
 * The augmentation `options` ask for on rows of `inputSize` values, or
 * `undefined` when they ask for none (then no random numbers are drawn).
 * Each call of the result draws one uniform number per row (numpy's
 * `rand(batch_size) < 0.5`) and mirrors the rows whose number is below 1/2.
 *
 * @throws {RangeError} for an unknown option or an image shape that does
 *   not match `inputSize`.
 *
 * @example
 * ```ts
 * import { Matrix, RandomState } from "@twolayer/net";
 * import { augmenter } from "./augment.ts";
 * import assert from "node:assert/strict";
 *
 * // One 1 x 3 image with 2 channels per pixel.
 * const flip = augmenter({ flipHorizontal: true, imageShape: [1, 3, 2] }, 6)!;
 * const batch = Matrix.fromRows([[1, 2, 3, 4, 5, 6]]);
 * flip(batch, new RandomState(1)); // rand() gives 0.417: flipped
 * assert.deepEqual([...batch.data], [5, 6, 3, 4, 1, 2]);
 * ```
 */
export function augmenter(
  options: AugmentOptions,
  inputSize: number,
): Augmenter | undefined {
  if (typeof options !== "object" || options === null) {
    throw new RangeError(
      `augment must be an object such as { flipHorizontal: true }, got ${options}`,
    );
  }
  checkOptionNames("augment", options, KEYS);
  if (!options.flipHorizontal) return undefined;
  const shape = options.imageShape ??
    (inputSize === 3072 ? [32, 32, 3] : undefined);
  if (!shape) {
    throw new RangeError(
      `augment needs imageShape [height, width, channels] for rows of ${inputSize} values (only 3072 defaults to [32, 32, 3])`,
    );
  }
  const [height, width, channels] = shape;
  if (
    shape.length !== 3 ||
    !shape.every((n) => Number.isInteger(n) && n > 0) ||
    height * width * channels !== inputSize
  ) {
    throw new RangeError(
      `augment imageShape must be 3 positive integers [height, width, channels] with product ${inputSize}, got [${shape}]`,
    );
  }
  return (batch, rng) => {
    const draws = rng.rand(batch.rows);
    const data = batch.data, d = batch.cols;
    for (let i = 0; i < batch.rows; i++) {
      if (!(draws[i] < 0.5)) continue;
      for (let r = 0; r < height; r++) {
        const row = i * d + r * width * channels;
        for (let c = 0; c < width >> 1; c++) {
          const left = row + c * channels;
          const right = row + (width - 1 - c) * channels;
          for (let k = 0; k < channels; k++) {
            const t = data[left + k];
            data[left + k] = data[right + k];
            data[right + k] = t;
          }
        }
      }
    }
  };
}
