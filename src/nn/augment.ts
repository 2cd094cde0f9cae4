/**
 * Data augmentation of training minibatches: random horizontal flips, as
 * ConvNetJS trains CIFAR-10, and random shifts of a few pixels, drawn from
 * the trainer's stream so that runs are reproducible.
 *
 * @module
 */

import { type FloatArray, Matrix } from "../core/matrix.ts";
import type { RandomState } from "../core/random.ts";
import { checkOptionNames } from "../core/options.ts";
import { flipShiftRows } from "../kernels/elementwise.ts";
import type { Kernels } from "../kernels/select.ts";

/** Options of `TrainOptions.augment`. */
export interface AugmentOptions {
  /** Mirror each minibatch image left to right with probability 1/2. */
  flipHorizontal?: boolean;
  /**
   * Move each minibatch image by up to this many pixels (a non-negative
   * integer, less than the image's height and width; default 0): a random
   * number of pixels right or left and another down or up, each uniform in
   * `[-shift, shift]`. Pixels moved in from outside the image are 0, which
   * on mean-subtracted rows is the mean image's own value there.
   */
  shift?: number;
  /**
   * `[height, width, channels]` of each row, pixel-major as the workbook's
   * `X.reshape(N, -1)` of `N x 32 x 32 x 3` images: element
   * `(r, c, k)` is at `(r * width + c) * channels + k`. Default
   * `[32, 32, 3]` when rows have 3072 values; required otherwise.
   */
  imageShape?: readonly [number, number, number];
}

/**
 * One minibatch's augmentation as drawn from the trainer's stream: drawn
 * ahead with the minibatch's rows, so that a device that augments on its
 * own (a GPU) samples exactly what the CPU samples.
 */
export interface AugmentDraws {
  /** Per row, 1 to mirror it (empty without flips). */
  flip: Uint8Array;
  /** Per row, pixels moved right, or left when negative (empty without shifts). */
  dx: Int32Array;
  /** Per row, pixels moved down, or up when negative (empty without shifts). */
  dy: Int32Array;
}

/** An augmentation of rows of one image shape: its draws and how they apply. */
export interface Augmenter {
  /** `[height, width, channels]` of each row. */
  readonly imageShape: readonly [number, number, number];
  /**
   * Draws the augmentation of `rows` rows from `rng`, in this order and
   * only for the parts asked for: flips (numpy's `rand(rows) < 0.5`), then
   * column offsets, then row offsets (`randint(-shift, shift + 1, rows)`).
   */
  draw(rng: RandomState, rows: number): AugmentDraws;
  /**
   * Applies `draws` to the gathered rows of `batch`, in place: flip, then
   * shift; on `kernels` (a backend's element-wise kernels, the same
   * values) when given.
   */
  apply(
    batch: Matrix<FloatArray>,
    draws: AugmentDraws,
    kernels?: Kernels,
  ): void;
  /** Draws for `batch`'s rows and applies them. */
  augment(batch: Matrix<FloatArray>, rng: RandomState): void;
}

const KEYS = ["flipHorizontal", "shift", "imageShape"];

/**
 * The augmentation `options` ask for on rows of `inputSize` values, or
 * `undefined` when they ask for none (then no random numbers are drawn).
 * Every option is checked either way. Each call of the result draws, in
 * this order and only for the parts asked for:
 * - flips: one uniform number per row (numpy's `rand(batch_size) < 0.5`),
 *   mirroring the rows whose number is below 1/2;
 * - shifts: a column offset per row, then a row offset per row (numpy's
 *   `randint(-shift, shift + 1, batch_size)`, twice); the image moves right
 *   and down by them (left and up when negative).
 *
 * @throws {RangeError} for an unknown option, a flip setting that is not
 *   a boolean, a shift that is not a non-negative integer smaller than the
 *   image, or an image shape that does not match `inputSize`.
 *
 * @example A flip, then a shift
 * ```ts
 * import { Matrix, RandomState } from "@twolayer/net";
 * import { augmenter } from "./augment.ts";
 * import assert from "node:assert/strict";
 *
 * // One 1 x 3 image with 2 channels per pixel.
 * const flip = augmenter({ flipHorizontal: true, imageShape: [1, 3, 2] }, 6)!;
 * const batch = Matrix.fromRows([[1, 2, 3, 4, 5, 6]]);
 * flip.augment(batch, new RandomState(1)); // rand() gives 0.417: flipped
 * assert.deepEqual([...batch.data], [5, 6, 3, 4, 1, 2]);
 *
 * // A 2 x 2 grey image; RandomState(0) draws offsets -1 (left), 0.
 * const shift = augmenter({ shift: 1, imageShape: [2, 2, 1] }, 4)!;
 * const image = Matrix.fromRows([[1, 2, 3, 4]]);
 * shift.augment(image, new RandomState(0));
 * assert.deepEqual([...image.data], [2, 0, 4, 0]);
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
  const { flipHorizontal = false, shift = 0 } = options;
  if (typeof flipHorizontal !== "boolean") {
    throw new RangeError(
      `augment.flipHorizontal must be true or false, got ${
        JSON.stringify(flipHorizontal)
      }`,
    );
  }
  const shape = options.imageShape ??
    (inputSize === 3072 ? [32, 32, 3] as const : undefined);
  const asked = flipHorizontal || shift !== 0;
  // Without a shape nothing can move; a shape given is checked anyway.
  if (!shape && !asked) return undefined;
  if (!shape) {
    throw new RangeError(
      `augment needs imageShape [height, width, channels] for rows of ${inputSize} values (only 3072 defaults to [32, 32, 3])`,
    );
  }
  if (
    !Array.isArray(shape) || shape.length !== 3 ||
    !shape.every((n) => Number.isInteger(n) && n > 0) ||
    shape[0] * shape[1] * shape[2] !== inputSize
  ) {
    throw new RangeError(
      `augment imageShape must be 3 positive integers [height, width, channels] with product ${inputSize}, got ${
        JSON.stringify(shape)
      }`,
    );
  }
  const [height, width, channels] = shape;
  if (
    typeof shift !== "number" || !Number.isInteger(shift) || shift < 0 ||
    shift >= Math.min(height, width)
  ) {
    throw new RangeError(
      `augment.shift must be an integer from 0 to ${
        Math.min(height, width) - 1
      } (pixels, less than the ${height} x ${width} image), got ${
        JSON.stringify(shift)
      }`,
    );
  }
  if (!asked) return undefined;
  const draw = (rng: RandomState, n: number): AugmentDraws => {
    const flip = new Uint8Array(flipHorizontal ? n : 0);
    if (flipHorizontal) {
      const u = rng.rand(n);
      for (let i = 0; i < n; i++) flip[i] = u[i] < 0.5 ? 1 : 0;
    }
    const dx = shift > 0
      ? rng.randint(-shift, shift + 1, n)
      : new Int32Array(0);
    const dy = shift > 0
      ? rng.randint(-shift, shift + 1, n)
      : new Int32Array(0);
    return { flip, dx, dy };
  };
  const imageShape = [height, width, channels] as const;
  const apply = (
    batch: Matrix<FloatArray>,
    { flip, dx, dy }: AugmentDraws,
    kernels?: Kernels,
  ) =>
    kernels
      ? kernels.augment(batch, flip, dx, dy, imageShape)
      : flipShiftRows(batch, flip, dx, dy, imageShape);
  return {
    imageShape,
    draw,
    apply,
    augment: (batch, rng) => apply(batch, draw(rng, batch.rows)),
  };
}

/**
 * Rows `rows` of `X`, gathered and augmented as training gathers and
 * augments a minibatch (the same draws from `rng`): what the network sees
 * of those images. `X` keeps its values; the result is a new float64
 * matrix.
 *
 * @throws {RangeError} for a row index outside `X` and everything
 *   {@linkcode augmenter} refuses.
 *
 * @example
 * ```ts
 * import { Matrix, RandomState } from "@twolayer/net";
 * import { augmentRows } from "@twolayer/net/images";
 * import assert from "node:assert/strict";
 *
 * const X = Matrix.fromRows([[1, 2, 3], [4, 5, 6]]); // two 1 x 3 grey images
 * const seen = augmentRows(X, [1, 1], {
 *   flipHorizontal: true,
 *   imageShape: [1, 3, 1],
 * }, new RandomState(1)); // rand(2) = [0.417, 0.720]
 * assert.deepEqual(seen.toRows(), [[6, 5, 4], [4, 5, 6]]);
 * ```
 */
export function augmentRows(
  X: Matrix<FloatArray>,
  rows: ArrayLike<number>,
  options: AugmentOptions,
  rng: RandomState,
): Matrix<Float64Array> {
  const augment = augmenter(options, X.cols);
  const out = new Float64Array(rows.length * X.cols);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (!Number.isInteger(r) || r < 0 || r >= X.rows) {
      throw new RangeError(
        `augmentRows row ${i} must be an index of X's ${X.rows} rows, got ${r}`,
      );
    }
    out.set(X.data.subarray(r * X.cols, (r + 1) * X.cols), i * X.cols);
  }
  const batch = new Matrix(rows.length, X.cols, out);
  augment?.augment(batch, rng);
  return batch;
}
