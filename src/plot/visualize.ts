/**
 * Pictures of image stacks and first-layer weights, as the workbook's
 * `visualize_grid` and `show_net_weights` draw them.
 *
 * @module
 */

import { Picture } from "./display.ts";
import type { FloatArray, Matrix } from "../core/matrix.ts";

/**
 * `count` images of `height` x `width` x `channels`, stored like a
 * C-contiguous numpy array of shape (count, height, width, channels):
 * image n, pixel (r, c), channel ch is
 * `data[((n * height + r) * width + c) * channels + ch]`.
 */
export interface ImageStack {
  /** The values, `count * height * width * channels` of them. */
  readonly data: ArrayLike<number>;
  /** Number of images. */
  readonly count: number;
  /** Rows per image. */
  readonly height: number;
  /** Columns per image. */
  readonly width: number;
  /** Channels per pixel (1 to 4, to be displayable). */
  readonly channels: number;
}

/** Options of {@linkcode visualizeGrid}. */
export interface GridOptions {
  /** Black pixels between tiles (default 3, as the workbook calls it). */
  padding?: number;
  /** Value a tile's maximum maps to, at most 255 (default 255). */
  ubound?: number;
}

/**
 * Lays out images in a square grid, like cs231n's `visualize_grid` followed
 * by `.astype('uint8')`: the grid is `ceil(sqrt(count))` tiles on a side,
 * separated by `padding` black pixels, unused tiles stay black, and each
 * tile is min-max scaled on its own to `ubound * (x - low) / (high - low)`,
 * then truncated toward zero.
 *
 * A constant tile (`high === low`) is drawn black: numpy divides 0 by 0
 * there and casts the NaNs to 0, so this is also what the workbook shows.
 *
 * @throws {RangeError} when a size or option is not a valid integer, the
 *   data length does not match the shape, or there are no images.
 *
 * @example Two 1 x 2 grey images make a 2 x 2 grid of tiles
 * ```ts
 * import { visualizeGrid } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const grid = visualizeGrid(
 *   { data: [0, 2, 5, 1], count: 2, height: 1, width: 2, channels: 1 },
 *   { padding: 1 },
 * );
 * assert.deepEqual([grid.height, grid.width], [3, 5]);
 * assert.deepEqual([...grid.data.subarray(0, 5)], [0, 255, 0, 255, 0]);
 * ```
 */
export function visualizeGrid(
  images: ImageStack,
  options: GridOptions = {},
): Picture {
  const { padding = 3, ubound = 255 } = options;
  const { data, count, height, width, channels } = images;
  const sizes = { count, height, width, channels, padding };
  for (const [name, value] of Object.entries(sizes)) {
    const least = name === "padding" ? 0 : 1;
    if (!Number.isInteger(value) || value < least) {
      throw new RangeError(
        `visualizeGrid ${name} must be an integer >= ${least}, got ${value}`,
      );
    }
  }
  if (!(ubound > 0 && ubound <= 255)) {
    throw new RangeError(
      `visualizeGrid ubound must be in (0, 255], got ${ubound}`,
    );
  }
  const tileLength = height * width * channels;
  if (data.length !== count * tileLength) {
    throw new RangeError(
      `visualizeGrid ${count} x ${height} x ${width} x ${channels} images need ${
        count * tileLength
      } values, got ${data.length}`,
    );
  }

  const size = Math.ceil(Math.sqrt(count));
  const gridHeight = size * height + padding * (size - 1);
  const gridWidth = size * width + padding * (size - 1);
  const grid = new Uint8ClampedArray(gridHeight * gridWidth * channels);
  for (let n = 0; n < count; n++) {
    const start = n * tileLength;
    let low = Infinity;
    let high = -Infinity;
    for (let i = start; i < start + tileLength; i++) {
      low = Math.min(low, data[i]);
      high = Math.max(high, data[i]);
    }
    if (high === low) continue;
    const top = Math.floor(n / size) * (height + padding);
    const left = (n % size) * (width + padding);
    for (let r = 0; r < height; r++) {
      const source = start + r * width * channels;
      const target = ((top + r) * gridWidth + left) * channels;
      for (let k = 0; k < width * channels; k++) {
        // Same operation order as numpy; Uint8ClampedArray would round, so
        // truncate first as astype('uint8') does.
        grid[target + k] = Math.trunc(
          ubound * (data[source + k] - low) / (high - low),
        );
      }
    }
  }
  return new Picture({
    width: gridWidth,
    height: gridHeight,
    channels,
    data: grid,
  });
}

/** Side of a CIFAR-10 image in pixels. */
const SIDE = 32;
/** Colour channels of a CIFAR-10 image. */
const CHANNELS = 3;

/**
 * The first-layer weights of a network as a grid of 32 x 32 colour tiles,
 * one per hidden unit, as the workbook's `show_net_weights` draws them:
 * `W1.T.reshape(32, 32, 3, -1).transpose(3, 0, 1, 2)` then
 * `visualize_grid(..., padding=3)`. Hidden unit h's tile has pixel (r, c)
 * channel ch from `W1[h, (r * 32 + c) * 3 + ch]`.
 *
 * @param w1 the H x 3072 first-layer weight matrix.
 * @throws {RangeError} when `w1` does not have 3072 columns.
 *
 * @example Four hidden units make a 2 x 2 grid of 32 x 32 tiles
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { netWeightsImage } from "@twolayer/net/plot";
 * import assert from "node:assert/strict";
 *
 * const w1 = new Matrix(4, 3072);
 * w1.data.forEach((_, i) => (w1.data[i] = i % 3072));
 * const picture = netWeightsImage(w1);
 * assert.deepEqual([picture.width, picture.height, picture.channels], [67, 67, 3]);
 * assert.equal(picture.data[(31 * 67 + 31) * 3 + 2], 255);
 * ```
 */
export function netWeightsImage(w1: Matrix<FloatArray>): Picture {
  if (w1.cols !== SIDE * SIDE * CHANNELS) {
    throw new RangeError(
      `netWeightsImage needs W1 of shape H x ${
        SIDE * SIDE * CHANNELS
      }, got ${w1.rows} x ${w1.cols}`,
    );
  }
  // Row h of W1 already lists pixel (r, c) channel ch at (r * 32 + c) * 3 +
  // ch, which is exactly image h of the transposed stack.
  return visualizeGrid({
    data: w1.data,
    count: w1.rows,
    height: SIDE,
    width: SIDE,
    channels: CHANNELS,
  }, { padding: 3 });
}
